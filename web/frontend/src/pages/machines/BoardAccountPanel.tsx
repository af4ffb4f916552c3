// The machine's board account (MQTT user board-<id>): create, a new secret, revoke. A secret is
// shown once, in a dialog, to be typed into the board's configuration portal.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { t } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { errorText } from '../../ui/errors';
import { LoadError } from '../../ui/Page';
import { Badge } from '../../ui/StatusBadge';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/usePaged';

interface Secret {
  username: string;
  secret: string;
}

export function BoardAccountPanel({ machineId, machineName }: { machineId: number; machineName: string }) {
  const accounts = useLoad((signal) => api.get('/api/v1/board-accounts', { signal }), [machineId]);
  const [secret, setSecret] = useState<Secret | null>(null);
  const [asking, setAsking] = useState<'rotate' | 'revoke' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const account = accounts.data?.items.find((a) => a.machine_id === machineId);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post('/api/v1/board-accounts', { body: { machine_id: machineId } });
      setSecret({ username: answer.username, secret: answer.secret });
      accounts.reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="m-account" data-testid="board-account">
      <h2 id="m-account">{t('boardAccount.title')}</h2>
      <LoadError text={accounts.error} retry={accounts.reload} />
      {accounts.data && !account && (
        <>
          <p class="muted">{t('boardAccount.none')}</p>
          <button type="button" class="button button-primary" disabled={busy} onClick={create}>
            {t('boardAccount.create')}
          </button>
        </>
      )}
      {account && (
        <>
          <dl class="facts">
            <dt>{t('boardAccount.user')}</dt>
            <dd>
              <code>{account.username}</code>
            </dd>
            <dt>{t('boardAccount.connected')}</dt>
            <dd>
              {account.connected ? <Badge kind="ok">{t('boardAccount.connectedFrom', { address: account.remote_address ?? '' })}</Badge> : <Badge kind="muted">{t('boardAccount.notConnected')}</Badge>}
            </dd>
            <dt>{t('boardAccount.issued')}</dt>
            <dd>{formatDateTime(account.rotated)}</dd>
          </dl>
          <p class="row-actions">
            <button type="button" class="button button-small" onClick={() => setAsking('rotate')}>
              {t('boardAccount.rotate')}
            </button>
            <button type="button" class="button button-small button-danger" onClick={() => setAsking('revoke')}>
              {t('boardAccount.revoke')}
            </button>
          </p>
        </>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {asking === 'rotate' && (
        <ConfirmDialog
          title={t('boardAccount.rotateTitle', { name: machineName })}
          message={t('boardAccount.rotateText')}
          confirmLabel={t('boardAccount.rotate')}
          danger={false}
          onClose={() => setAsking(null)}
          onConfirm={async () => {
            const answer = await api.post('/api/v1/board-accounts/{id}/rotate', { path: { id: machineId } });
            setSecret({ username: answer.username, secret: answer.secret });
            accounts.reload();
          }}
        />
      )}
      {asking === 'revoke' && (
        <ConfirmDialog
          title={t('boardAccount.revokeTitle', { name: machineName })}
          message={t('boardAccount.revokeText')}
          confirmLabel={t('boardAccount.revoke')}
          onClose={() => setAsking(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/board-accounts/{id}', { path: { id: machineId } });
            toast(t('boardAccount.revoked'));
            accounts.reload();
          }}
        />
      )}
      {secret && (
        <Dialog title={t('boardAccount.secretTitle', { name: machineName })} onClose={() => setSecret(null)}>
          <p>{t('boardAccount.secretIntro')}</p>
          <dl class="facts" data-testid="board-secret">
            <dt>{t('boardAccount.user')}</dt>
            <dd>
              <code>{secret.username}</code>
            </dd>
            <dt>{t('boardAccount.secret')}</dt>
            <dd>
              <code class="secret">{secret.secret}</code>
            </dd>
          </dl>
          <button type="button" class="button button-primary" data-autofocus onClick={() => setSecret(null)}>
            {t('boardAccount.noted')}
          </button>
        </Dialog>
      )}
    </section>
  );
}
