// Requests the typed JSON client does not make: a file as the raw body (restore).
import { ApiError } from '../../api/client';
import { session } from '../../auth/session';

export async function uploadFile<T>(path: string, file: Blob): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/octet-stream',
        'X-CSRF-Token': session.value?.csrf_token ?? '',
      },
      body: file,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'offline', 'network');
  }
  const json = (await response.json().catch(() => undefined)) as
    | (T & { error?: { code?: string; message?: string; fields?: Record<string, string>; field_codes?: ConstructorParameters<typeof ApiError>[4] } })
    | undefined;
  if (response.ok) return json as T;
  const err = json?.error;
  throw new ApiError(response.status, err?.code ?? `http_${response.status}`, err?.message ?? response.statusText, err?.fields ?? {}, err?.field_codes ?? {});
}
