// The tests' fixtures: the shared state, a signed-in admin page (cookie from an API sign-in),
// a Node-side API session, console-error collection, and simulated boards that are closed after
// each test.
import { test as base, expect, type Page } from '@playwright/test';
import { ApiSession } from './helpers/api';
import { Board } from './helpers/mqtt';
import { readState, type E2EState } from './helpers/state';

export { expect };

interface Fixtures {
  state: E2EState;
  api: ApiSession;
  /** Console errors and uncaught exceptions of the page; checked at the end of every test. */
  consoleErrors: string[];
  /** Statuses whose "Failed to load resource" console lines a test expects (e.g. 409). */
  allowStatuses: number[];
  adminPage: Page;
  board: (machineId: number) => Promise<Board>;
}

export const test = base.extend<Fixtures>({
  state: async ({}, use) => use(readState()),
  api: async ({ state }, use) => {
    const api = new ApiSession(state.applianceURL);
    const a = await api.login(state.adminEmail, state.adminPassword);
    expect(a.status, a.text).toBe(200);
    await use(api);
  },
  allowStatuses: [[], { option: true }],
  consoleErrors: async ({ page, allowStatuses }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const status = /status of (\d+)/.exec(m.text());
      if (status && allowStatuses.includes(Number(status[1]))) return;
      errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
  adminPage: async ({ page, state, consoleErrors }, use) => {
    void consoleErrors;
    await signInContext(page, state, state.adminEmail, state.adminPassword);
    await use(page);
  },
  board: async ({ state }, use) => {
    const boards: Board[] = [];
    await use(async (machineId: number) => {
      const b = new Board(state.mqttPort, machineId);
      await b.connect();
      boards.push(b);
      return b;
    });
    for (const b of boards) b.close();
  },
});

/** Puts a fresh API session's cookie into the page's context (as a sign-in would). */
export async function signInContext(page: Page, state: E2EState, email: string, password: string): Promise<ApiSession> {
  const s = new ApiSession(state.applianceURL);
  const a = await s.login(email, password);
  expect(a.status, a.text).toBe(200);
  const { name, value } = s.cookieValue;
  await page.context().addCookies([{ name, value, url: state.baseURL, httpOnly: true, secure: true, sameSite: 'Strict' }]);
  return s;
}

/** Opens a route of the portal and waits until the page shows its heading. */
export async function open(page: Page, state: E2EState, hash: string): Promise<void> {
  await page.goto(`${state.baseURL}/${hash}`);
  await expect(page.locator('main h1').first()).toBeVisible();
}

/** A name unique in this run. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
}

/** A card id unique in this run (8 hex). */
export function uniqueCard(): string {
  return (Date.now() % 0xffffff).toString(16).padStart(6, '0') + Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
}
