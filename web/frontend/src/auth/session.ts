// The signed-in user: known after GET /api/v1/auth/session, replaced by sign-in, cleared by
// sign-out or by any 401 (the session expired), which sends the user to sign-in and, after it,
// back to where they were.
import { computed, signal } from '@preact/signals';
import { authApi } from '../api/auth';
import { setClientHooks } from '../api/client';
import type { Session } from '../api/types';
import { navigate, route } from '../router';

export type SessionState = 'unknown' | 'signed-out' | 'signed-in';

export const session = signal<Session | null>(null);
export const sessionState = signal<SessionState>('unknown');
/** Why the user is on the sign-in page (shown there). */
export const signOutReason = signal<'expired' | 'restored' | 'signed-out' | null>(null);
export const passwordChangeRequired = computed(() => session.value?.password_change_required ?? false);
/** The signed-in admin has no card, so a remote start has nothing to log in (only Stop). */
export const withoutCard = computed(() => session.value?.user.has_card === false);

/** Routes that need no session. */
export const PUBLIC_ROUTES = new Set(['/signin', '/forgot', '/reset', '/setup']);

setClientHooks({
  csrf: () => session.value?.csrf_token ?? null,
  unauthorized: () => expire('expired'),
  passwordChangeRequired: () => {
    if (session.value) session.value = { ...session.value, password_change_required: true };
  },
});

/** Where to go after signing in: the route the user was on. */
function returnTarget(): string {
  const r = route.value;
  if (PUBLIC_ROUTES.has(r.path) || r.path === '/password') return r.query.get('next') ?? '/';
  const qs = r.query.toString();
  return `${r.path}${qs ? `?${qs}` : ''}`;
}

/** Ends the session on this page: it expired (any 401), or a restored database has its own. */
export function expire(reason: 'expired' | 'restored' = 'expired'): void {
  if (sessionState.value === 'signed-out') {
    // The restore ended every session, so the live link or another request may have met a 401
    // before the restore's own answer arrived: the sign-in page says the better reason.
    if (reason === 'restored') signOutReason.value = reason;
    return;
  }
  const next = returnTarget();
  session.value = null;
  sessionState.value = 'signed-out';
  signOutReason.value = reason;
  navigate(`/signin?next=${encodeURIComponent(next)}`, { replace: true });
}

/** Asks the server whether a session is open (it answers 200 either way). */
export async function loadSession(): Promise<void> {
  try {
    const answer = await authApi.session();
    session.value = answer.signed_in ? answer : null;
    sessionState.value = answer.signed_in ? 'signed-in' : 'signed-out';
  } catch {
    session.value = null;
    sessionState.value = 'signed-out';
  }
}

export async function signIn(email: string, password: string): Promise<Session> {
  const answer = await authApi.login(email, password);
  session.value = answer;
  sessionState.value = 'signed-in';
  signOutReason.value = null;
  return answer;
}

/** First start: the setup code sets the administrator's password; the answer signs in. */
export async function completeSetup(code: string, password: string): Promise<Session> {
  const answer = await authApi.setup(code, password);
  session.value = answer;
  sessionState.value = 'signed-in';
  signOutReason.value = null;
  return answer;
}

export async function signOut(): Promise<void> {
  try {
    await authApi.logout();
  } finally {
    session.value = null;
    sessionState.value = 'signed-out';
    signOutReason.value = 'signed-out';
    navigate('/signin', { replace: true });
  }
}

/** After a password change the server keeps this session but no longer asks for a change. */
export function passwordChanged(): void {
  if (session.value) session.value = { ...session.value, password_change_required: false };
}
