// The REST API from Node (for seeding and checks): a signed-in session with its cookie and
// CSRF token, over HTTPS to the appliance itself.
// @ts-expect-error: a plain ES module of the project, without type declarations
import { request } from '../../scripts/appliance.mjs';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export class ApiSession {
  cookie = '';
  csrf = '';
  constructor(readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<Answer> {
    const a: Answer = await request(this.baseUrl, 'POST', '/api/v1/auth/login', { body: { email, password } });
    if (a.status === 200) {
      const set = a.headers['set-cookie'];
      const first = Array.isArray(set) ? set[0] : set;
      this.cookie = (first ?? '').split(';')[0]!;
      this.csrf = a.json.csrf_token;
    }
    return a;
  }

  /** The session cookie's value (for a browser context). */
  get cookieValue(): { name: string; value: string } {
    const [name, value] = this.cookie.split('=');
    return { name: name!, value: value! };
  }

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    return request(this.baseUrl, method, path, {
      body,
      headers: { Cookie: this.cookie, ...(method === 'GET' ? {} : { 'X-CSRF-Token': this.csrf }) },
    });
  }

  /** Like call(), but a non-2xx answer throws with the server's message. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const a = await this.call(method, path, body);
    if (a.status < 200 || a.status > 299) throw new Error(`${method} ${path}: ${a.status} ${a.text}`);
    return a.json;
  }
}
