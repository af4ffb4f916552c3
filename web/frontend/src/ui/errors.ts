// One sentence for any failure, in the user's language, for toasts and form alerts.
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { serverText } from '../i18n/server';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.offline) return t('err.offline');
    switch (e.code) {
      case 'invalid':
        return t('err.invalid');
      case 'not_found':
        return t('err.notFound');
      case 'rate_limited':
        return t('err.rateLimited');
      case 'busy':
        return t('err.busy');
      case 'csrf':
        return t('err.csrf');
      case 'unauthenticated':
        return t('err.expired');
      case 'internal_error':
        return t('err.internal');
    }
    if (e.status >= 500) return t('err.internal');
    const first = Object.values(e.fields)[0];
    return serverText(first ?? e.message);
  }
  return t('err.unexpected');
}

/** The server's per-field messages, translated. */
export function fieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.fields)) out[k] = serverText(v);
  return out;
}
