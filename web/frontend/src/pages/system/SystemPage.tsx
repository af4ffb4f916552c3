// The system page: version and uptime, the host, the database (backup, restore), the broker's
// figures, the board fleet, the last purge, the nightly backup, the log, and a restart. The
// figures are read again every five seconds.
import { useEffect, useState } from 'preact/hooks';
import type { components } from 'api-schema';
import { api } from '../../api/client';
import { expire } from '../../auth/session';
import { t } from '../../i18n';
import { formatDateTime, formatNumber, formatRelative } from '../../i18n/format';
import { href } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { LoadError, PageHead } from '../../ui/Page';
import { useLoad } from '../../ui/usePaged';
import { DatabasePanel } from './DatabasePanel';
import { FleetTable } from './FleetTable';
import { formatBytes } from './format';
import { LogView } from './LogView';

type Overview = components['schemas']['SystemOverview'];
const REFRESH_MS = 5000;

export function SystemPage() {
  const [tick, setTick] = useState(0);
  const system = useLoad((signal) => api.get('/api/v1/system', { signal }), [tick]);
  const [restarting, setRestarting] = useState<'ask' | 'waiting' | null>(null);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const s = system.data;
  return (
    <section class="page">
      <PageHead title={t('nav.system')} sub={s ? `fabomatic ${s.version}` : undefined}>
        <button type="button" class="button button-danger" onClick={() => setRestarting('ask')} data-testid="restart">
          {t('system.restart')}
        </button>
      </PageHead>
      {restarting === 'waiting' && (
        <p class="notice" role="status">
          {t('system.restarting')}
        </p>
      )}
      <LoadError text={system.error} retry={system.reload} />
      {s && (
        <>
          <div class="detail-grid">
            <HostPanel system={s} />
            <DatabasePanel system={s} />
            <BrokerPanel system={s} />
            <ProtectionPanel system={s} />
          </div>
          <section class="panel" aria-labelledby="sys-fleet">
            <h2 id="sys-fleet">{t('system.fleet')}</h2>
            <FleetTable boards={s.boards} now={s.time} />
          </section>
        </>
      )}
      <LogView />
      {restarting === 'ask' && (
        <ConfirmDialog
          title={t('system.restartTitle')}
          message={t('system.restartText')}
          confirmLabel={t('system.restartConfirm')}
          onClose={() => setRestarting((r) => (r === 'ask' ? null : r))}
          onConfirm={async () => {
            await api.post('/api/v1/system/restart');
            setRestarting('waiting');
            await waitForRestart();
            expire(); // sessions end with the process: sign in again
          }}
        />
      )}
    </section>
  );
}

/** Until the appliance answers again after it went away (at most a minute). */
async function waitForRestart(): Promise<void> {
  const answers = async () => {
    try {
      return (await fetch('/api/v1/openapi.json', { cache: 'no-store' })).ok;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 60_000;
  await new Promise((r) => setTimeout(r, 1000));
  while (Date.now() < deadline && !(await answers())) await new Promise((r) => setTimeout(r, 500));
}

function HostPanel({ system }: { system: Overview }) {
  const h = system.host;
  return (
    <section class="panel" aria-labelledby="sys-host">
      <h2 id="sys-host">{t('system.host')}</h2>
      <dl class="facts">
        <dt>{t('system.version')}</dt>
        <dd data-testid="version">{system.version}</dd>
        <dt>{t('system.uptime')}</dt>
        <dd>
          {formatDateTime(system.started_at)} ({formatRelative(system.started_at, system.time)})
        </dd>
        <dt>{t('system.host')}</dt>
        <dd>{h.name}</dd>
        <dt>{t('system.os')}</dt>
        <dd>
          {h.os} · {h.kernel} · {h.architecture}
        </dd>
        <dt>{t('system.cpu')}</dt>
        <dd>
          {h.cpu_model || '—'} ({t('system.cpus', { n: h.cpus })})
        </dd>
        <dt>{t('system.load')}</dt>
        <dd>{h.load.map((l) => formatNumber(l, 2)).join(' · ')}</dd>
        <dt>{t('system.memory')}</dt>
        <dd>{t('system.ofTotal', { free: formatBytes(h.memory_available), total: formatBytes(h.memory_total) })}</dd>
        <dt>{t('system.disk')}</dt>
        <dd>{t('system.ofTotal', { free: formatBytes(h.disk_free), total: formatBytes(h.disk_total) })}</dd>
        <dt>{t('system.rss')}</dt>
        <dd>{formatBytes(h.process_rss)}</dd>
      </dl>
    </section>
  );
}

function BrokerPanel({ system }: { system: Overview }) {
  const b = system.broker;
  return (
    <section class="panel" aria-labelledby="sys-broker">
      <h2 id="sys-broker">{t('system.broker')}</h2>
      <dl class="facts">
        <dt>{t('system.clients')}</dt>
        <dd data-testid="clients">{formatNumber(b.clients_connected)}</dd>
        <dt>{t('system.sessions')}</dt>
        <dd>{formatNumber(b.sessions)}</dd>
        <dt>{t('system.retained')}</dt>
        <dd>{formatNumber(b.retained)}</dd>
        <dt>{t('system.messagesIn')}</dt>
        <dd>
          {formatNumber(b.messages_received)} ({t('system.perSecond', { n: formatNumber(b.received_per_s, 1) })})
        </dd>
        <dt>{t('system.messagesOut')}</dt>
        <dd>
          {formatNumber(b.messages_sent)} ({t('system.perSecond', { n: formatNumber(b.sent_per_s, 1) })})
        </dd>
      </dl>
    </section>
  );
}

function ProtectionPanel({ system }: { system: Overview }) {
  const p = system.purge;
  const b = system.backup;
  return (
    <section class="panel" aria-labelledby="sys-purge">
      <h2 id="sys-purge">{t('system.purge')}</h2>
      <p data-testid="purge">
        {p
          ? t('system.purgeLast', {
              when: formatDateTime(p.time),
              uses: p.uses,
              interventions: p.interventions,
              cards: p.unknown_cards,
              audit: p.audit_entries,
            })
          : t('system.purgeNever')}
      </p>
      <p class="muted">
        <a href={href('/settings')}>{t('system.purgeSettings')}</a>
      </p>
      <h3>{t('system.nightly')}</h3>
      <p>{b.folder ? t('system.nightlyOn', { hour: b.hour, folder: b.folder, keep: b.keep }) : t('system.nightlyOff')}</p>
      {b.last_time &&
        (b.last_error ? (
          <p class="form-error">{t('system.nightlyFailed', { when: formatDateTime(b.last_time), error: b.last_error })}</p>
        ) : (
          <p class="muted">{t('system.nightlyLast', { when: formatDateTime(b.last_time), file: b.last_file })}</p>
        ))}
    </section>
  );
}
