// "Delete X?" with what else goes with it, counted by the server before confirming.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { Dialog } from './Dialog';
import { errorText } from './errors';

export interface Consequence {
  /** "12 uses", already translated */
  text: string;
}

export function ConfirmDialog({
  title,
  message,
  loadConsequences,
  confirmLabel,
  danger = true,
  onConfirm,
  onClose,
  extra,
  blocked,
  consequencesTitle,
}: {
  title: string;
  message: string;
  /** Counts what goes with the row (asked of the server when the dialog opens). */
  loadConsequences?: () => Promise<Consequence[]>;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
  extra?: preact.ComponentChildren;
  /** Why the row cannot go (shown instead of the confirm button). */
  blocked?: string | undefined;
  /** The heading of the consequences when they are not all removed ("This also removes:"). */
  consequencesTitle?: string;
}) {
  const [consequences, setConsequences] = useState<Consequence[] | null>(loadConsequences ? null : []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!loadConsequences) return;
    loadConsequences().then(setConsequences, (e) => setError(errorText(e)));
  }, []);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{message}</p>
      {consequences === null && !error && <p class="muted" aria-busy="true">{t('common.counting')}</p>}
      {consequences && consequences.length > 0 && (
        <div class="consequences" data-testid="cascade">
          <p>{consequencesTitle ?? t('confirm.alsoRemoved')}</p>
          <ul>
            {consequences.map((c) => (
              <li key={c.text}>{c.text}</li>
            ))}
          </ul>
        </div>
      )}
      {consequences && consequences.length === 0 && loadConsequences && <p class="muted" data-testid="cascade">{t('confirm.nothingElse')}</p>}
      {extra}
      {blocked && (
        <p class="form-error" data-testid="blocked">
          {blocked}
        </p>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose} data-autofocus>
          {t('common.cancel')}
        </button>
        {!blocked && (
          <button type="button" class={danger ? 'button button-danger' : 'button button-primary'} onClick={confirm} disabled={busy || consequences === null} data-testid="confirm">
            {confirmLabel}
          </button>
        )}
      </div>
    </Dialog>
  );
}
