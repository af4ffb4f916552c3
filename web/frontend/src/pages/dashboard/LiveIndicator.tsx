// The state of the live link, always visible in the header: live / connecting / lost (retrying).
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n';
import { linkState, nextRetryAt, reconnectNow } from '../../live/live';

export function LiveIndicator() {
  const state = linkState.value;
  const retryAt = nextRetryAt.value;
  const [, tick] = useState(0);
  useEffect(() => {
    if (state !== 'lost') return;
    const id = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, [state]);
  const seconds = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : 0;
  return (
    <div class={`live live-${state}`} role="status" data-testid="live-state" data-state={state}>
      <span class="live-dot" aria-hidden="true" />
      <span>
        {state === 'open' && t('live.open')}
        {state === 'connecting' && t('live.connecting')}
        {state === 'lost' && (retryAt ? t('live.lostRetry', { s: seconds }) : t('live.lost'))}
      </span>
      {state === 'lost' && (
        <button type="button" class="link-button" onClick={reconnectNow}>
          {t('live.retryNow')}
        </button>
      )}
    </div>
  );
}
