// Exports (issue 14): the export links of every list page download CSV and Excel files whose
// rows are those of the list (read back with Node and with openpyxl), with the page's filters,
// never a password hash or reset token; a member's data from their page.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, open, test } from './fixtures';
import type { ApiSession } from './helpers/api';
import { inspectDownload, parseCsv } from './helpers/files';
import type { E2EState } from './helpers/state';

async function download(page: Page, link: Locator): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await file.path();
  expect(await file.failure()).toBeNull();
  return path;
}

const KINDS = [
  { page: '#/members', testId: 'export-members', list: '/api/v1/members', heading: 'Surname' },
  { page: '#/authorizations', testId: 'export-authorizations', list: '/api/v1/authorizations', heading: 'Member' },
  { page: '#/uses', testId: 'export-uses', list: '/api/v1/uses', heading: 'Start' },
  { page: '#/interventions', testId: 'export-interventions', list: '/api/v1/interventions', heading: 'Plan' },
  { page: '#/maintenance', testId: 'export-plans', list: '/api/v1/maintenance-plans', heading: 'Hours between' },
];

/** Secrets the database does not hold in clear: a board's MQTT secret as issued (made here for
 * the idle machine) and the settings file's secret key. */
async function clearSecrets(api: ApiSession, state: E2EState): Promise<string[]> {
  const machine = state.seeded.machines.idle;
  let issued = await api.call('POST', '/api/v1/board-accounts', { machine_id: machine });
  if (issued.status === 409) issued = await api.call('POST', `/api/v1/board-accounts/${machine}/rotate`);
  expect([200, 201], issued.text).toContain(issued.status);
  const secret = (issued.json as { secret: string }).secret;
  expect(secret.length).toBeGreaterThan(10);
  const settings = fs.readFileSync(path.join(path.dirname(state.dbPath), 'settings.toml'), 'utf8');
  const key = /^secret_key\s*=\s*"([^"]+)"/m.exec(settings)?.[1];
  expect(key, 'the settings have a secret key').toBeTruthy();
  return [secret, secret.replaceAll('-', ''), key!];
}

test('every list exports as CSV and Excel, complete and without secrets', async ({ adminPage: page, state, api }) => {
  // A reset token (the admin's: only who may sign in gets one) and a board account exist in the
  // database: they must not leak either.
  await api.call('POST', '/api/v1/auth/forgot', { email: state.adminEmail });
  const extra = await clearSecrets(api, state);
  for (const kind of KINDS) {
    await open(page, state, kind.page);
    const total = (await api.ok('GET', `${kind.list}?limit=1`)).total as number;
    expect(total, kind.list).toBeGreaterThan(0);
    const group = page.getByTestId(kind.testId);
    const csvPath = await download(page, group.getByRole('link', { name: /CSV/ }));
    const rows = parseCsv(fs.readFileSync(csvPath, 'utf8'));
    expect(rows[0], kind.page).toContain(kind.heading);
    expect(rows.length - 1, `${kind.page} csv rows`).toBe(total);
    const csvCheck = inspectDownload(csvPath, state.dbPath, 'csv', extra);
    // password hashes of the admin and more, a reset token, a board's secret hash, and `extra`
    expect(csvCheck.secrets_checked).toBeGreaterThanOrEqual(3 + extra.length);
    expect(csvCheck.secrets_found, kind.page).toEqual([]);

    const xlsxPath = await download(page, group.getByRole('link', { name: /Excel/ }));
    const xlsx = inspectDownload(xlsxPath, state.dbPath, 'xlsx', extra);
    const sheet = Object.values(xlsx.sheets!)[0]!;
    expect(sheet[0], kind.page).toContain(kind.heading);
    expect(sheet.length - 1, `${kind.page} xlsx rows`).toBe(total);
    expect(xlsx.secrets_found, kind.page).toEqual([]);
  }
});

test('the history exports follow the page filters and the language', async ({ adminPage: page, state, api }) => {
  const laser = state.seeded.machines.laser;
  await page.addInitScript(() => localStorage.setItem('fabomatic.lang', 'it'));
  await open(page, state, `#/uses?machine=${laser}`);
  const total = (await api.ok('GET', `/api/v1/uses?limit=1&machine_id=${laser}`)).total as number;
  const path = await download(page, page.getByTestId('export-uses').getByRole('link', { name: /CSV/ }));
  // Italian: what a spreadsheet set to Italian opens (';' between cells).
  const rows = parseCsv(fs.readFileSync(path, 'utf8'), ';');
  expect(rows[0]!.slice(0, 6)).toEqual(['ID', 'ID socio', 'Socio', 'ID macchina', 'Macchina', 'Inizio']);
  expect(rows.length - 1).toBe(total);
  expect(rows.slice(1).every((r) => r[4] === 'Laser cutter')).toBe(true);
  // The machine's own page exports its history.
  await open(page, state, `#/machines/${laser}`);
  const xlsx = inspectDownload(await download(page, page.getByTestId('export-machine-uses').getByRole('link', { name: /Excel/ })), state.dbPath, 'xlsx');
  const sheet = Object.values(xlsx.sheets!)[0]!;
  expect(sheet.length - 1).toBe(total);
  // Local date-times of the appliance (whose zone this Node process shares): the seeded use of
  // 2026-01-10 12:00 UTC.
  const d = new Date('2026-01-10T12:00:00Z');
  const p2 = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:00`;
  expect(sheet.slice(1).map((r) => r[5])).toContain(local);
});

test("a member's data from their page, as JSON and Excel", async ({ adminPage: page, state, api }) => {
  const extra = await clearSecrets(api, state);
  const mario = state.seeded.members.mario;
  await open(page, state, '#/members?q=Rossi');
  await page.getByRole('link', { name: 'Mario Rossi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Mario Rossi');
  const jsonPath = await download(page, page.getByTestId('member-data-json'));
  const data = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  expect(data.member.id).toBe(mario);
  expect(data.member.card).toBe(state.seeded.cards.mario);
  expect(data.uses.length).toBeGreaterThanOrEqual(2);
  expect(data.authorizations.map((a: { machine_name: string }) => a.machine_name)).toContain('Laser cutter');
  expect(inspectDownload(jsonPath, state.dbPath, 'json', extra).secrets_found).toEqual([]);
  const xlsx = inspectDownload(await download(page, page.getByTestId('member-data-xlsx')), state.dbPath, 'xlsx', extra);
  expect(Object.keys(xlsx.sheets!)).toEqual(['Profile', 'Authorizations', 'Uses', 'Interventions', 'Unknown card taps']);
  expect(xlsx.sheets!['Uses']!.length - 1).toBe(data.uses.length);
  expect(xlsx.secrets_found).toEqual([]);
});
