// The sign-in routes and the audit log (hand-typed: the OpenAPI document leaves them out).
import { send } from './client';
import type { AuditPage, AuditQuery, SessionAnswer } from './types';

export const authApi = {
  login: (email: string, password: string) =>
    send<SessionAnswer>('POST', '/api/v1/auth/login', { email, password }, { quiet401: true }),
  session: () => send<SessionAnswer>('GET', '/api/v1/auth/session', undefined, { quiet401: true }),
  logout: () => send<void>('POST', '/api/v1/auth/logout', undefined, { quiet401: true }),
  changePassword: (current: string, next: string) =>
    send<{ password_change_required: boolean }>('POST', '/api/v1/auth/password', { current, new: next }),
  forgot: (email: string) => send<{ message: string }>('POST', '/api/v1/auth/forgot', { email }, { quiet401: true }),
  reset: (token: string, password: string) =>
    send<{ message: string }>('POST', '/api/v1/auth/reset', { token, password }, { quiet401: true }),
  /** First start: whether nobody can sign in yet, and the account the setup code sets up. */
  setupState: () => send<{ pending: boolean; email: string | null }>('GET', '/api/v1/auth/setup', undefined, { quiet401: true }),
  /** First start: the setup code of the log sets the administrator's password and signs in. */
  setup: (code: string, password: string) => send<SessionAnswer>('POST', '/api/v1/auth/setup', { code, password }, { quiet401: true }),
};

export function auditList(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  return send<AuditPage>('GET', `/api/v1/audit?${qs}`, undefined, { signal });
}
