// Routing by the URL's hash (#/members, #/machines/7, #/reset?token=…): nothing of it reaches a
// server log, which matters for the reset link's token.
import { signal } from '@preact/signals';

export interface Route {
  /** "/machines/7" */
  path: string;
  /** ["machines", "7"] */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [p = '/', q = ''] = raw.split('?', 2) as [string, string?];
  const path = p.startsWith('/') ? p : `/${p}`;
  return { path, parts: path.split('/').filter(Boolean), query: new URLSearchParams(q) };
}

export const route = signal<Route>(parseHash(location.hash));

window.addEventListener('hashchange', () => {
  route.value = parseHash(location.hash);
});

/** The hash of a route: href('/members', { q: 'ann' }) → "#/members?q=ann". */
export function href(path: string, query?: Record<string, string | number | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function navigate(target: string, { replace = false } = {}): void {
  const hash = target.startsWith('#') ? target : `#${target}`;
  if (replace) {
    history.replaceState(history.state, '', hash);
    route.value = parseHash(hash);
  } else if (location.hash !== hash) {
    location.hash = hash; // hashchange updates the signal
  } else {
    route.value = parseHash(hash);
  }
}

/** Changes the current route's query (filters, page) without a new history entry per keystroke. */
export function setQuery(changes: Record<string, string | number | undefined | null>, { replace = true } = {}): void {
  const current = route.value;
  const q = new URLSearchParams(current.query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(`#${current.path}${s ? `?${s}` : ''}`, { replace });
}
