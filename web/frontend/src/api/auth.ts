// The sign-in routes, on the typed client: a 401 of these is an answer (wrong password, no
// session), never the end of a session.
import { api } from './client';

export const authApi = {
  login: (email: string, password: string) => api.post('/api/v1/auth/login', { body: { email, password }, quiet401: true }),
  /** Whether a session is open: {signed_in: false} without one (never a 401). */
  session: () => api.get('/api/v1/auth/session', { quiet401: true }),
  logout: () => api.post('/api/v1/auth/logout', { quiet401: true }),
  changePassword: (current: string, next: string) => api.post('/api/v1/auth/password', { body: { current, new: next } }),
  forgot: (email: string) => api.post('/api/v1/auth/forgot', { body: { email }, quiet401: true }),
  reset: (token: string, password: string) => api.post('/api/v1/auth/reset', { body: { token, password }, quiet401: true }),
  /** First start: whether nobody can sign in yet, and the account the setup code sets up. */
  setupState: () => api.get('/api/v1/auth/setup', { quiet401: true }),
  /** First start: the setup code of the log sets the administrator's password and signs in. */
  setup: (code: string, password: string) => api.post('/api/v1/auth/setup', { body: { code, password }, quiet401: true }),
};
