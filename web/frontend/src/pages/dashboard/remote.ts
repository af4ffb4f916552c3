// Remote start/stop: the request (202 when sent), then the outcome the board confirmed, which
// arrives on the live link (or "no response" from the server after its timeout).
import { signal } from '@preact/signals';
import { api } from '../../api/client';
import type { RemoteCode } from '../../api/types';
import { remoteOutcomes } from '../../live/live';

export type RemoteKind = 'start' | 'stop';

export interface Pending {
  kind: RemoteKind;
  since: number;
}

/** Requests sent and not answered yet, by machine. */
export const pending = signal<ReadonlyMap<number, Pending>>(new Map());
/** The last outcome shown on each card (cleared when a new request starts); `at`: Date.now(). */
export const shown = signal<ReadonlyMap<number, { ok: boolean; code: RemoteCode; message: string; kind: RemoteKind; at: number }>>(new Map());
/** How long a card shows an outcome: long enough to read, not so long that "Started" still
 * stands on a card that other members have used since. */
export const OUTCOME_SHOWN_MS = 60_000;

const CLIENT_TIMEOUT_MS = 20_000; // the server gives up after 10 s and says "no response"

function setIn<V>(s: { value: ReadonlyMap<number, V> }, id: number, v: V | undefined): void {
  const next = new Map(s.value);
  if (v === undefined) next.delete(id);
  else next.set(id, v);
  s.value = next;
}

export async function remote(machineId: number, kind: RemoteKind): Promise<void> {
  setIn(shown, machineId, undefined);
  const before = remoteOutcomes.value.get(machineId)?.at ?? 0;
  setIn(pending, machineId, { kind, since: Date.now() });
  try {
    if (kind === 'start') await api.post('/api/v1/machines/{id}/start', { path: { id: machineId } });
    else await api.post('/api/v1/machines/{id}/stop', { path: { id: machineId } });
  } catch (e) {
    setIn(pending, machineId, undefined);
    throw e;
  }
  // Wait for the outcome on the live link.
  await new Promise<void>((resolve) => {
    const started = Date.now();
    const check = () => {
      const o = remoteOutcomes.value.get(machineId);
      if (o && o.at > before) {
        setIn(shown, machineId, { ok: o.ok, code: o.code, message: o.message, kind, at: Date.now() });
        setIn(pending, machineId, undefined);
        stop();
        resolve();
      } else if (Date.now() - started > CLIENT_TIMEOUT_MS) {
        setIn(shown, machineId, { ok: false, code: 'no_response', message: 'no response', kind, at: Date.now() });
        setIn(pending, machineId, undefined);
        stop();
        resolve();
      }
    };
    const unsubscribe = remoteOutcomes.subscribe(check);
    const timer = setInterval(check, 1000);
    const stop = () => {
      clearInterval(timer);
      queueMicrotask(unsubscribe);
    };
  });
}
