// Short lists the forms pick from (machines, roles, types, plans), loaded once and refreshed
// after a change. Members are many: they are searched (ui/MemberPicker), never all loaded.
import { signal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, fetchAll } from './client';
import type { MachineName, MachineType, Plan, Role } from './types';

interface Cache<T> {
  data: Signal<T[] | null>;
  loading: Promise<void> | null;
  loadedAt: number;
  load: () => Promise<T[]>;
}

function cache<T>(load: () => Promise<T[]>): Cache<T> {
  return { data: signal<T[] | null>(null), loading: null, loadedAt: 0, load };
}

/** A form or filter opened later than this after the last load refreshes the list (another
 * admin may have added a machine meanwhile); the list shown meanwhile is the cached one. */
const FRESH_MS = 3000;

const caches = {
  // Id and name only, by name: the pickers' list (not the machines with their maintenance).
  machines: cache<MachineName>(() => api.get('/api/v1/machines/names')),
  roles: cache<Role>(() => fetchAll((limit, offset) => api.get('/api/v1/roles', { query: { limit, offset, sort: 'name' } }))),
  types: cache<MachineType>(() =>
    fetchAll((limit, offset) => api.get('/api/v1/machine-types', { query: { limit, offset, sort: 'name' } })),
  ),
  plans: cache<Plan>(() => fetchAll((limit, offset) => api.get('/api/v1/maintenance-plans', { query: { limit, offset } }))),
};

type Name = keyof typeof caches;
type Of<N extends Name> = (typeof caches)[N] extends Cache<infer T> ? T : never;

function ensure(name: Name): void {
  const c = caches[name] as Cache<unknown>;
  if (c.loading || (c.data.value && Date.now() - c.loadedAt < FRESH_MS)) return;
  c.loading = c.load().then(
    (rows) => {
      c.data.value = rows;
      c.loadedAt = Date.now();
      c.loading = null;
    },
    () => {
      c.loading = null;
    },
  );
}

/** The list (null while loading); re-renders when it changes. */
export function useLookup<N extends Name>(name: N): Of<N>[] | null {
  useEffect(() => ensure(name), [name]);
  return caches[name].data.value as Of<N>[] | null;
}

/** After a create/edit/delete: the next reader loads the list again. */
export function invalidate(...names: Name[]): void {
  for (const name of names) {
    const c = caches[name] as Cache<unknown>;
    c.data.value = null;
    c.loading = null;
    ensure(name);
  }
}
