import { useState } from 'preact/hooks';
import { t, type Key } from '../../i18n';
import { formatDateTime, formatRelative } from '../../i18n/format';
import type { RemoteCode } from '../../api/types';
import { withoutCard } from '../../auth/session';
import { linkState, machineSignal } from '../../live/live';
import { href } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { StatusBadge } from '../../ui/StatusBadge';
import { toast } from '../../ui/toasts';
import { errorText } from '../../ui/errors';
import { now } from './clock';
import { OUTCOME_SHOWN_MS, pending, remote, shown, type RemoteKind } from './remote';

const OUTCOMES: Record<RemoteCode, Key> = {
  started: 'remote.started',
  stopped: 'remote.stopped',
  no_response: 'remote.noResponse',
  card_refused: 'remote.cardRefused',
  check_failed: 'remote.checkFailed',
  board_refused: 'remote.boardRefused',
};

/** The outcome in the user's language; the server's sentence for a code of a newer server. */
export function outcomeText(code: RemoteCode, message: string): string {
  const key = OUTCOMES[code] as Key | undefined;
  return key ? t(key) : message;
}

export function MachineCard({ id }: { id: number }) {
  const s = machineSignal(id);
  const [asking, setAsking] = useState<RemoteKind | null>(null);
  if (!s) return null;
  const m = s.value;
  const n = now.value;
  const waiting = pending.value.get(id);
  // Read again at each tick of the coarse clock (n above), so an old outcome goes by itself.
  const last = shown.value.get(id);
  const outcome = last && Date.now() - last.at < OUTCOME_SHOWN_MS ? last : undefined;
  const inUse = m.state === 'in_use';
  const headingId = `machine-${id}-name`;
  return (
    <article class={`machine-card state-${m.state}`} aria-labelledby={headingId} data-testid="machine-card" data-machine-id={id} data-state={m.state}>
      <header class="machine-card-head">
        <h2 id={headingId}>
          <a href={href(`/machines/${id}`)}>{m.name}</a>
        </h2>
        <StatusBadge state={m.state} />
      </header>
      <dl class="machine-facts">
        {inUse && (
          <>
            <dt>{t('dash.member')}</dt>
            <dd data-testid="member">{m.member_name}</dd>
            <dt>{t('dash.since')}</dt>
            <dd data-testid="since">
              <time dateTime={new Date((m.in_use_since ?? 0) * 1000).toISOString()} title={formatDateTime(m.in_use_since)}>
                {/* The coarse clock ticks every 15 s: a use begun since its last tick is "now",
                    not "in 11 seconds". */}
                {formatRelative(m.in_use_since, Math.max(n, m.in_use_since ?? 0))}
              </time>
            </dd>
          </>
        )}
        <dt>{t('dash.lastSeen')}</dt>
        <dd data-testid="last-seen">
          {m.last_heard ? (
            <time dateTime={new Date(m.last_heard * 1000).toISOString()} title={formatDateTime(m.last_heard)}>
              {formatRelative(m.last_heard, Math.max(n, m.last_heard))}
            </time>
          ) : (
            t('dash.never')
          )}
        </dd>
        <dt>{t('dash.ip')}</dt>
        <dd data-testid="board-ip">{m.board_ip || '—'}</dd>
      </dl>
      {/* A start logs the admin's own card in: without one only Stop is offered (the dashboard
          says why once, above the cards). */}
      {m.online && (inUse || !withoutCard.value) && (
        <div class="machine-actions">
          <button
            type="button"
            class={inUse ? 'button' : 'button button-primary'}
            // Its outcome arrives on the live link, and the state it acts on may be old without it.
            disabled={Boolean(waiting) || linkState.value !== 'open'}
            onClick={() => setAsking(inUse ? 'stop' : 'start')}
            aria-label={t(inUse ? 'remote.stopLabel' : 'remote.startLabel', { name: m.name })}
          >
            {t(inUse ? 'remote.stop' : 'remote.start')}
          </button>
        </div>
      )}
      <p class="remote-status" role="status" data-testid="remote-status">
        {waiting && t('remote.waiting')}
        {!waiting && outcome && (
          <span class={outcome.ok ? 'ok' : 'bad'} data-ok={String(outcome.ok)}>
            {outcomeText(outcome.code, outcome.message)}
          </span>
        )}
      </p>
      {asking && (
        <ConfirmDialog
          title={t(asking === 'start' ? 'remote.startTitle' : 'remote.stopTitle', { name: m.name })}
          message={t(asking === 'start' ? 'remote.startText' : 'remote.stopText', { name: m.name })}
          confirmLabel={t(asking === 'start' ? 'remote.start' : 'remote.stop')}
          danger={asking === 'stop'}
          onClose={() => setAsking(null)}
          onConfirm={async () => {
            const kind = asking;
            // The outcome comes later on the live link; the dialog closes once the request left.
            remote(id, kind).catch((e) => toast(errorText(e), 'error'));
          }}
        />
      )}
    </article>
  );
}
