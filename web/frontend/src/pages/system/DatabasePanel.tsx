// The database: where it is and how big, a backup to download, and a restore from an uploaded
// backup (confirmed; every session ends afterwards, so the page goes to sign-in).
import { useState } from 'preact/hooks';
import type { components } from 'api-schema';
import { ApiError } from '../../api/client';
import { expire } from '../../auth/session';
import { t, type Key } from '../../i18n';
import { formatNumber } from '../../i18n/format';
import { Dialog } from '../../ui/Dialog';
import { errorText } from '../../ui/errors';
import { toast } from '../../ui/toasts';
import { formatBytes } from './format';
import { uploadFile } from './upload';

type Overview = components['schemas']['SystemOverview'];
type RestoreResult = components['schemas']['RestoreResult'];

export function DatabasePanel({ system }: { system: Overview }) {
  const db = system.database;
  const [restoring, setRestoring] = useState(false);
  return (
    <section class="panel" aria-labelledby="sys-db">
      <h2 id="sys-db">{t('system.database')}</h2>
      <dl class="facts">
        <dt>{t('system.dbPath')}</dt>
        <dd>
          <code>{db.path}</code>
        </dd>
        <dt>{t('system.dbSize')}</dt>
        <dd data-testid="db-size">{formatBytes(db.size)}</dd>
        <dt>{t('system.counts')}</dt>
        <dd>
          {formatNumber(db.members)} · {formatNumber(db.machines)} · {formatNumber(db.uses)}
        </dd>
      </dl>
      <p class="muted">{t('system.backupHint')}</p>
      <div class="row-actions">
        <a class="button button-primary" href="/api/v1/system/backup" download data-testid="backup">
          {t('system.backup')}
        </a>
        <button type="button" class="button button-danger" onClick={() => setRestoring(true)} data-testid="restore">
          {t('system.restore')}
        </button>
      </div>
      {restoring && <RestoreDialog onClose={() => setRestoring(false)} />}
    </section>
  );
}

const REFUSALS: Record<string, Key> = {
  not_a_database: 'system.refused.not_a_database',
  not_fabomatic: 'system.refused.not_fabomatic',
  damaged: 'system.refused.damaged',
  unknown_revision: 'system.refused.unknown_revision',
  invalid_database: 'system.refused.invalid_database',
};

function refusal(e: ApiError): string {
  const key = REFUSALS[e.code];
  const detail = e.fields['file'] ?? e.message;
  return key ? `${t(key)} (${detail})` : detail;
}

function RestoreDialog({ onClose }: { onClose: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const restore = async () => {
    if (!file) {
      setError(t('system.restoreChoose'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await uploadFile<RestoreResult>('/api/v1/system/restore', file);
      toast(t('system.restored', { file: result.kept_as }));
      onClose();
      expire('restored'); // the restored database has its own sessions (and accounts)
    } catch (e) {
      // A refused file: why, by the server's code (its sentence for a code not known here).
      setError(e instanceof ApiError && e.status === 400 ? refusal(e) : errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('system.restoreTitle')} onClose={onClose}>
      <p>{t('system.restoreText')}</p>
      <div class="field">
        <label for="restore-file">{t('system.restoreFile')}</label>
        <input id="restore-file" type="file" name="file" accept=".sqldb,.db,.sqlite,application/vnd.sqlite3" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
      </div>
      {error && (
        <p class="form-error" role="alert" data-testid="restore-error">
          {error}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose} data-autofocus>
          {t('common.cancel')}
        </button>
        <button type="button" class="button button-danger" onClick={restore} disabled={busy} data-testid="confirm">
          {t('system.restoreConfirm')}
        </button>
      </div>
    </Dialog>
  );
}
