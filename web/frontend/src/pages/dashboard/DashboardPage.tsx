// The landing page: one card per machine, updated live.
import { useState } from 'preact/hooks';
import type { MachineState } from '../../api/types';
import { t, tn } from '../../i18n';
import { session, withoutCard } from '../../auth/session';
import { href } from '../../router';
import { formatTime } from '../../i18n/format';
import { haveSnapshot, linkState, machineIds, machineSignal, serverTime } from '../../live/live';
import { MachineCard } from './MachineCard';

const ORDER: MachineState[] = ['in_use', 'blocked', 'maintenance', 'offline', 'free'];

export function DashboardPage() {
  const [filter, setFilter] = useState('');
  const ids = machineIds.value;
  const q = filter.trim().toLowerCase();
  const shownIds = q ? ids.filter((id) => machineSignal(id)?.value.name.toLowerCase().includes(q)) : ids;
  // Without the live link the cards show what was true when it was lost: say so, and how old.
  const stale = haveSnapshot.value && linkState.value !== 'open';
  return (
    <section class="page">
      <div class="page-head">
        <h1>{t('nav.dashboard')}</h1>
        <Summary ids={ids} />
      </div>
      {ids.length > 8 && (
        <div class="filters">
          <label class="field">
            <span>{t('dash.filter')}</span>
            <input type="search" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
          </label>
        </div>
      )}
      {!haveSnapshot.value && <p class="muted">{t('common.loading')}</p>}
      {haveSnapshot.value && ids.length === 0 && (
        <p class="empty">
          {t('dash.noMachines')} <a href="#/machines">{t('dash.addMachine')}</a>
        </p>
      )}
      {haveSnapshot.value && ids.length > 0 && withoutCard.value && (
        <p class="muted" data-testid="no-card-note">
          {t('dash.noCard')} <a href={href(`/members/${session.value?.user.id}`)}>{t('dash.yourRecord')}</a>
        </p>
      )}
      {stale && (
        <p class="stale-note" data-testid="stale-note">
          {t('dash.stale', { time: formatTime(serverTime.value) })}
        </p>
      )}
      <div class={stale ? 'machine-grid stale' : 'machine-grid'} data-testid="machine-grid" data-stale={String(stale)}>
        {shownIds.map((id) => (
          <MachineCard key={id} id={id} />
        ))}
      </div>
    </section>
  );
}

function Summary({ ids }: { ids: number[] }) {
  const counts = new Map<MachineState, number>();
  for (const id of ids) {
    const s = machineSignal(id)?.value.state;
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return (
    <p class="summary" data-testid="summary">
      {ORDER.filter((s) => counts.get(s)).map((s) => (
        <span key={s} class={`summary-item badge badge-${s}`}>
          {tn(`summary.${s}`, counts.get(s)!)}
        </span>
      ))}
    </p>
  );
}
