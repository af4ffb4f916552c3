// The one owner of the WebSocket /api/v1/live: a snapshot, then events; a heartbeat every 15 s
// (silence for HEARTBEAT_TIMEOUT_MS counts as a lost link); reconnection with exponential
// back-off and jitter, and at once when the network or the page comes back. Each machine has its
// own signal, so an event re-renders one card only. While the page is on screen it answers each
// heartbeat with {"type":"visible"}, which keeps its sign-in session from idling out: a
// dashboard on the wall stays live, a forgotten tab in the background does not.
import { batch, signal, type Signal } from '@preact/signals';
import { authApi } from '../api/auth';
import type { LiveMessage, MachineStatus, RemoteCode } from '../api/types';

export type LinkState = 'connecting' | 'open' | 'lost';

export const HEARTBEAT_TIMEOUT_MS = 40_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

export interface RemoteOutcome {
  machineId: number;
  ok: boolean;
  code: RemoteCode;
  /** The server's English sentence (shown only for a code this app does not know). */
  message: string;
  at: number;
}

export const linkState = signal<LinkState>('connecting');
/** Milliseconds until the next attempt while the link is lost (for "retrying in 4 s"). */
export const nextRetryAt = signal<number | null>(null);
/** Server time of the last message (unix seconds), to show "last seen" relative to it. */
export const serverTime = signal<number>(Date.now() / 1000);
/** Ids of the machines, in name order. */
export const machineIds = signal<number[]>([]);
/** True once a snapshot arrived. */
export const haveSnapshot = signal(false);
const machineSignals = new Map<number, Signal<MachineStatus>>();
/** Outcomes of remote start/stop, by machine. */
export const remoteOutcomes = signal<ReadonlyMap<number, RemoteOutcome>>(new Map());
/** Bumped when an unknown card is tapped or an unknown board announces itself. */
export const unknownCardTick = signal(0);
export const discoveredBoardTick = signal(0);

export function machineSignal(id: number): Signal<MachineStatus> | undefined {
  return machineSignals.get(id);
}

const clockOffset = { ms: 0 }; // server time − local time

function sortIds(): void {
  const ids = [...machineSignals.keys()];
  ids.sort((a, b) => {
    const x = machineSignals.get(a)!.value.name;
    const y = machineSignals.get(b)!.value.name;
    return x.localeCompare(y, undefined, { numeric: true, sensitivity: 'base' }) || a - b;
  });
  machineIds.value = ids;
}

function applySnapshot(machines: MachineStatus[]): void {
  batch(() => {
    const seen = new Set<number>();
    for (const m of machines) {
      seen.add(m.machine_id);
      const s = machineSignals.get(m.machine_id);
      if (s) s.value = m;
      else machineSignals.set(m.machine_id, signal(m));
    }
    for (const id of [...machineSignals.keys()]) if (!seen.has(id)) machineSignals.delete(id);
    sortIds();
    haveSnapshot.value = true;
  });
}

function applyMachine(m: MachineStatus): void {
  const s = machineSignals.get(m.machine_id);
  if (s) {
    const renamed = s.value.name !== m.name;
    s.value = m;
    if (renamed) sortIds();
  } else {
    machineSignals.set(m.machine_id, signal(m));
    sortIds();
  }
}

function handle(message: LiveMessage): void {
  switch (message.type) {
    case 'snapshot':
      setServerTime(message.time);
      applySnapshot(message.machines);
      performance.mark('fabomatic:snapshot');
      break;
    case 'machine':
      applyMachine(message.machine);
      break;
    case 'machine_removed':
      if (machineSignals.delete(message.machine_id)) sortIds();
      break;
    case 'heartbeat':
      setServerTime(message.time);
      sayVisible();
      break;
    case 'unknown_card':
      unknownCardTick.value++;
      break;
    case 'board_discovered':
      discoveredBoardTick.value++;
      break;
    case 'remote': {
      const next = new Map(remoteOutcomes.value);
      next.set(message.machine_id, { machineId: message.machine_id, ok: message.ok, code: message.code, message: message.message, at: Date.now() });
      remoteOutcomes.value = next;
      break;
    }
  }
}

function setServerTime(seconds: number): void {
  clockOffset.ms = seconds * 1000 - Date.now();
  serverTime.value = seconds;
}

/** The server's clock now, in unix seconds (local clock corrected by the last message). */
export function serverNow(): number {
  return (Date.now() + clockOffset.ms) / 1000;
}

let socket: WebSocket | null = null;
let wanted = false;
let attempt = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let silenceTimer: ReturnType<typeof setTimeout> | undefined;
let onSessionLost: () => void = () => {};
/** The close code of a link whose sign-in session ended (web/http/websocket_session.hpp). */
const SESSION_ENDED = 4001;

function sayVisible(): void {
  if (document.visibilityState === 'visible' && socket?.readyState === WebSocket.OPEN) socket.send('{"type":"visible"}');
}

/** The page came back on screen or online: say so, or reconnect now instead of at the back-off. */
function onBack(): void {
  if (!wanted) return;
  if (socket) sayVisible();
  else reconnectNow();
}

/** Gives up the link now (its onclose, later, finds it no longer current). */
function dropLink(): void {
  clearTimeout(silenceTimer);
  socket?.close();
  lost();
}

/** The device went offline: the link is lost now, not after the heartbeat's silence. */
function onOffline(): void {
  if (wanted && socket) dropLink();
}

function armSilenceTimer(): void {
  clearTimeout(silenceTimer);
  // No heartbeat: the link is dead even if the socket did not notice.
  silenceTimer = setTimeout(dropLink, HEARTBEAT_TIMEOUT_MS);
}

function open(): void {
  clearTimeout(retryTimer);
  nextRetryAt.value = null;
  if (!wanted) return;
  linkState.value = linkState.value === 'lost' ? 'lost' : 'connecting';
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`);
  socket = ws;
  let opened = false;
  ws.onopen = () => {
    performance.mark('fabomatic:live-open');
    opened = true;
    attempt = 0;
    linkState.value = 'open';
    armSilenceTimer();
  };
  ws.onmessage = (event) => {
    armSilenceTimer();
    try {
      handle(JSON.parse(String(event.data)) as LiveMessage);
    } catch {
      /* a message of a newer server: ignored */
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    clearTimeout(silenceTimer);
    if (!wanted) return;
    if (event.code === SESSION_ENDED) {
      // The server closed the link because the sign-in session is over: a reconnect would be
      // refused (an error in the browser's console), so go to sign-in at once.
      onSessionLost();
    } else if (!opened) {
      // Refused before opening: maybe the session ended. Ask.
      authApi.session().then(
        (s) => (s.signed_in ? lost() : onSessionLost()),
        () => lost(),
      );
    } else lost();
  };
}

function lost(): void {
  if (!wanted) return;
  socket = null;
  linkState.value = 'lost';
  clearTimeout(retryTimer);
  if (!navigator.onLine) {
    // No attempt can succeed offline: the 'online' event reconnects (onBack).
    nextRetryAt.value = null;
    return;
  }
  const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  attempt = Math.min(attempt + 1, 10);
  nextRetryAt.value = Date.now() + delay;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(open, delay);
}

/** Starts following the live status (after sign-in). `sessionLost`: the server refused us. */
export function startLive(sessionLost: () => void): void {
  onSessionLost = sessionLost;
  if (wanted) return;
  wanted = true;
  attempt = 0;
  addEventListener('online', onBack);
  addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onBack);
  open();
}

/** Stops (sign-out): closes the socket and forgets the machines. */
export function stopLive(): void {
  wanted = false;
  removeEventListener('online', onBack);
  removeEventListener('offline', onOffline);
  document.removeEventListener('visibilitychange', onBack);
  clearTimeout(retryTimer);
  clearTimeout(silenceTimer);
  socket?.close();
  socket = null;
  batch(() => {
    machineSignals.clear();
    machineIds.value = [];
    haveSnapshot.value = false;
    linkState.value = 'connecting';
    nextRetryAt.value = null;
    remoteOutcomes.value = new Map();
  });
}

/** Reconnects now (the "retry now" button). */
export function reconnectNow(): void {
  if (!wanted || socket) return;
  attempt = 0;
  open();
}
