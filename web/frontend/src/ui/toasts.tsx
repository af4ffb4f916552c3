// Short messages after an action ("Member saved"), read out by screen readers.
import { signal } from '@preact/signals';
import { t } from '../i18n';

interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}

const toasts = signal<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

function dismiss(id: number): void {
  toasts.value = toasts.value.filter((x) => x.id !== id);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((x) => (
        <div key={x.id} class={`toast toast-${x.kind}`}>
          <span>{x.text}</span>
          <button type="button" class="icon-button" aria-label={t('common.dismiss')} onClick={() => dismiss(x.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
