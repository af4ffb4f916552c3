// The one typed client of the REST API. Paths, parameters, bodies and answers come from the
// types generated from the appliance's OpenAPI document; pages never build URLs or read error
// bodies themselves.
import type { components, paths } from 'api-schema';

/** A field's error code and its parameters (FieldCode of the document). */
export type FieldCode = components['schemas']['FieldCode'];

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/** The paths that have `M`. */
export type PathWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];

type Op<P extends keyof paths, M extends HttpMethod> = NonNullable<paths[P][M]>;
type ParamsOf<O> = O extends { parameters: infer X } ? X : never;
type QueryOf<O> = ParamsOf<O> extends { query?: infer Q } ? NonNullable<Q> : never;
type PathParamsOf<O> = ParamsOf<O> extends { path: infer X } ? X : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type SuccessOf<R> = 200 extends keyof R ? R[200] : 201 extends keyof R ? R[201] : 202 extends keyof R ? R[202] : 204 extends keyof R ? R[204] : never;
type JsonOf<X> = X extends { content: { 'application/json': infer J } } ? J : void;
export type Answer<P extends keyof paths, M extends HttpMethod> = Op<P, M> extends { responses: infer R } ? JsonOf<SuccessOf<R>> : never;

export type Options<P extends keyof paths, M extends HttpMethod> = {
  path?: PathParamsOf<Op<P, M>>;
  query?: QueryOf<Op<P, M>>;
  body?: BodyOf<Op<P, M>>;
  signal?: AbortSignal;
  /** A 401 here is an answer (wrong password), not the end of the session. */
  quiet401?: boolean;
};

type ErrorBody = components['schemas']['Error']['error'];

/** An answer that was not a success, in the server's error shape (or a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** English sentences by field: shown only when a code is not known here. */
    readonly fields: Record<string, string> = {},
    /** The code of each field's error, with its parameters. */
    readonly fieldCodes: Record<string, FieldCode> = {},
    /** Why a request was refused (409 refused), e.g. "offline". */
    readonly reason?: string,
  ) {
    super(message);
  }
  /** True when the request never reached the appliance (network down, appliance stopped). */
  get offline(): boolean {
    return this.status === 0;
  }
}

interface Hooks {
  csrf: () => string | null;
  /** A 401 on an ordinary call: the session ended. */
  unauthorized: () => void;
  /** 403 password_change_required. */
  passwordChangeRequired: () => void;
}

const hooks: Hooks = { csrf: () => null, unauthorized: () => {}, passwordChangeRequired: () => {} };

export function setClientHooks(h: Partial<Hooks>): void {
  Object.assign(hooks, h);
}

function url(path: string, params?: Record<string, unknown>, query?: Record<string, unknown>): string {
  let out = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params?.[name] ?? '')));
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) out += `?${s}`;
  }
  return out;
}

/** Raw request, under the typed client. */
async function send<T>(
  method: string,
  target: string,
  body?: unknown,
  { signal, quiet401 = false }: { signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const token = hooks.csrf();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'offline', 'network');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const err = (json as { error?: Partial<ErrorBody> } | undefined)?.error;
  const error = new ApiError(
    response.status,
    err?.code ?? 'http_' + response.status,
    err?.message ?? response.statusText,
    err?.fields ?? {},
    err?.field_codes ?? {},
    err?.reason,
  );
  if (response.status === 401 && !quiet401) hooks.unauthorized();
  if (response.status === 403 && error.code === 'password_change_required') hooks.passwordChangeRequired();
  throw error;
}

function call<M extends HttpMethod>(method: M) {
  return <P extends PathWith<M>>(path: P, options: Options<P, M> = {}): Promise<Answer<P, M>> =>
    send<Answer<P, M>>(
      method.toUpperCase(),
      url(path as string, options.path as Record<string, unknown> | undefined, options.query as Record<string, unknown> | undefined),
      options.body,
      { signal: options.signal, quiet401: options.quiet401 ?? false },
    );
}

export const api = {
  get: call('get'),
  post: call('post'),
  patch: call('patch'),
  delete: call('delete'),
};

/** Every row of a paged list, page by page (the server caps a page at 500). */
export async function fetchAll<T>(page: (limit: number, offset: number) => Promise<{ items: T[]; total: number }>, cap = 20000): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < cap; offset += 500) {
    const p = await page(500, offset);
    out.push(...p.items);
    if (out.length >= p.total || p.items.length === 0) break;
  }
  return out;
}
