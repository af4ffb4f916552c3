import type { MachineState } from '../api/types';
import { t, type Key } from '../i18n';

const LABELS: Record<MachineState, Key> = {
  in_use: 'state.in_use',
  blocked: 'state.blocked',
  maintenance: 'state.maintenance',
  offline: 'state.offline',
  free: 'state.free',
};

export function StatusBadge({ state }: { state: MachineState }) {
  return <span class={`badge badge-${state}`}>{t(LABELS[state])}</span>;
}

export function Badge({ kind, title, children }: { kind: 'ok' | 'warn' | 'danger' | 'info' | 'muted'; title?: string; children: preact.ComponentChildren }) {
  return (
    <span class={`badge badge-${kind}`} title={title}>
      {children}
    </span>
  );
}
