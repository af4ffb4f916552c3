// One sentence for any failure, in the user's language, for toasts and form alerts. Translated
// by the server's codes; the server's English sentence only for a code this app does not know.
import { ApiError } from '../api/client';
import { t } from '../i18n';
import { fieldText, reasonText } from '../i18n/codes';

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
      case 'refused':
        return reasonText(e.reason, e.message);
      case 'no_email':
        return t('members.resetNoEmail');
      case 'no_portal_access':
        return t('members.resetNoAccess');
      case 'mail_refused':
        return t('members.resetMailRefused');
    }
    if (e.status >= 500) return t('err.internal');
    const first = Object.keys(e.fields)[0];
    return first === undefined ? e.message : fieldText(first, e.fieldCodes[first], e.fields[first] ?? e.message);
  }
  return t('err.unexpected');
}

/** The server's per-field errors, translated. */
export function fieldErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.fields)) out[k] = fieldText(k, e.fieldCodes[k], v);
  return out;
}
