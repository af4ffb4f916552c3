// What the machines page says about the broker's doors: while boards may connect without an
// account (the legacy mode of an old settings file, or allow_anonymous = true), a warning with
// the steps to move them to accounts; and the client ids two boards use at once.
import { api } from '../../api/client';
import { t } from '../../i18n';
import { useLoad } from '../../ui/usePaged';

export function MqttAccessPanel() {
  const status = useLoad((signal) => api.get('/api/v1/mqtt/status', { signal }), []);
  const shared = useLoad((signal) => api.get('/api/v1/mqtt/shared-client-ids', { signal }), []);
  const s = status.data;
  const ids = shared.data?.items ?? [];
  if ((!s || s.anonymous === 'refused') && ids.length === 0) return null;
  return (
    <section class="panel panel-warn" aria-labelledby="mqtt-title" data-testid="mqtt-access">
      <h2 id="mqtt-title">{t('mqtt.title')}</h2>
      {s?.anonymous === 'legacy' && (
        <>
          <p role="status">{t('mqtt.legacy')}</p>
          <ol>
            <li>{t('mqtt.step1')}</li>
            <li>{t('mqtt.step2')}</li>
            <li>{t('mqtt.step3')}</li>
          </ol>
          {s.anonymous_boards.length > 0 && <p>{t('mqtt.stillAnonymous', { ids: s.anonymous_boards.join(', ') })}</p>}
        </>
      )}
      {s?.anonymous === 'allowed' && <p role="status">{t('mqtt.allowed')}</p>}
      {ids.length > 0 && (
        <>
          <h3>{t('mqtt.shared')}</h3>
          <ul class="plain-list" data-testid="shared-client-ids">
            {ids.map((x) => (
              <li key={x.client_id}>{x.machines.length > 0 ? t('mqtt.sharedRow', { machines: x.machines.join(', '), id: x.client_id }) : x.summary}</li>
            ))}
          </ul>
          <p class="muted">{t('mqtt.sharedHint')}</p>
        </>
      )}
    </section>
  );
}
