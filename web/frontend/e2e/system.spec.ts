// The system page (issue 14): figures and the board fleet; a backup downloaded and restored;
// files that are not a FabOMatic database of a known revision refused with nothing changed;
// the settings editor (one change that applies at once, one after a restart, then the restart
// from the page); the weekly summary sent to the test SMTP sink in both languages.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, open, signInContext, test, unique } from './fixtures';
import { mailCount, rawMail, startAiosmtpd, waitForMail } from './helpers/smtp';
import { Board } from './helpers/mqtt';

async function download(page: Page, link: Locator): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(await file.failure()).toBeNull();
  return file.path();
}

test('the system page shows the host, the broker and the board fleet', async ({ adminPage: page, state }) => {
  // A board announcing the address it connects from: the fleet matches it to its connection.
  const b = new Board(state.mqttPort, state.seeded.machines.laser, '127.0.0.1');
  await b.connect();
  b.alive();
  await open(page, state, '#/system');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('System');
  await expect(page.getByTestId('version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(page.getByTestId('purge')).toContainText('Last purge');
  const fleet = page.getByTestId('fleet');
  const row = fleet.getByRole('row').filter({ hasText: 'Laser cutter' });
  await expect(row).toContainText('Connected', { timeout: 15_000 });
  await expect(row).toContainText('(none)'); // its MQTT account: it gave no user name
  await expect(row).toContainText('0.7.3-12-gabcdef');
  await expect(page.getByTestId('log-lines')).toContainText('admin portal on https://');
  await page.getByTestId('log-level').selectOption('error');
  await expect(page.getByTestId('log-lines')).not.toContainText('admin portal on https://');
  b.close();
  await expect(row).toContainText('Offline', { timeout: 15_000 });
});

test.describe('backup and restore', () => {
  test.use({ allowStatuses: [400, 401] });

  test('a backup is downloaded and restored; sessions end', async ({ adminPage: page, state, api }) => {
    const marker = unique('Backup marker');
    await api.ok('POST', '/api/v1/machines', { name: marker });
    await open(page, state, '#/system');
    const file = await download(page, page.getByTestId('backup'));
    expect(fs.readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const gone = unique('After backup');
    const created = await api.ok('POST', '/api/v1/machines', { name: gone });
    await page.getByTestId('restore').click();
    await page.getByLabel('Backup file').setInputFiles({ name: 'backup.sqldb', mimeType: 'application/octet-stream', buffer: fs.readFileSync(file) });
    await page.getByTestId('confirm').click();
    // Every session ended: the page goes to sign-in.
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible({ timeout: 20_000 });
    // It says why: the restore, not an expired session.
    await expect(page.getByTestId('restored-notice')).toContainText('The database was restored');
    await expect(page.getByText('Your session has ended')).toHaveCount(0);
    const again = await signInContext(page, state, state.adminEmail, state.adminPassword);
    const names = ((await again.ok('GET', '/api/v1/machines?limit=500')).items as { name: string }[]).map((m) => m.name);
    expect(names).toContain(marker);
    expect(names).not.toContain(gone);
    expect((await again.call('GET', `/api/v1/machines/${created.id}`)).status).toBe(404);
    // The replaced database is kept beside the live one.
    const kept = fs.readdirSync(path.dirname(state.dbPath)).filter((n) => n.includes('.before-restore-'));
    expect(kept.length).toBeGreaterThan(0);
  });

  test('a file that is not a database and one of an unknown revision are refused, nothing changed', async ({ adminPage: page, state, api }) => {
    const marker = unique('Still here');
    await api.ok('POST', '/api/v1/machines', { name: marker });
    await open(page, state, '#/system');
    // A real backup whose revision nobody knows.
    const backup = await download(page, page.getByTestId('backup'));
    const unknown = path.join(fs.mkdtempSync(path.join(state.dir, 'unknown-')), 'unknown.sqldb');
    fs.copyFileSync(backup, unknown);
    execFileSync('/usr/bin/python3', [
      '-c',
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE alembic_version SET version_num = 'ffffffffffff'\"); c.commit(); c.close()",
      unknown,
    ]);
    const before = fs.statSync(state.dbPath).ino;
    const keptBefore = fs.readdirSync(path.dirname(state.dbPath)).filter((n) => n.includes('.before-restore-')).length;
    for (const [name, buffer, message] of [
      ['members.csv', Buffer.from('name,card\nAnn,04a3b2c1\n'.repeat(40)), /not a database/],
      ['unknown.sqldb', fs.readFileSync(unknown), /revision/],
    ] as const) {
      await page.getByTestId('restore').click();
      await page.getByLabel('Backup file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
      await page.getByTestId('confirm').click();
      await expect(page.getByTestId('restore-error')).toHaveText(message);
      await page.getByRole('button', { name: 'Cancel' }).click();
    }
    // Still signed in, the same database file with what it held, no copy of it set aside.
    expect(fs.statSync(state.dbPath).ino).toBe(before);
    expect(fs.readdirSync(path.dirname(state.dbPath)).filter((n) => n.includes('.before-restore-')).length).toBe(keptBefore);
    const names = ((await api.ok('GET', '/api/v1/machines?limit=500')).items as { name: string }[]).map((m) => m.name);
    expect(names).toContain(marker);
    await expect(page.getByTestId('version')).toBeVisible();
  });
});

test.describe('settings', () => {
  test('one change applies at once, one after a restart, then the restart from the page', async ({ page, state }) => {
    await signInContext(page, state, state.adminEmail, state.adminPassword);
    await open(page, state, '#/settings');
    const audit = page.locator('input[name="backend.audit_retention_days"]');
    const idle = page.locator('input[name="web.session_idle_min"]');
    await expect(audit).toBeVisible();
    // The secret key is never shown.
    await expect(page.locator('input[name="web.secret_key"]')).toHaveValue('');
    await audit.fill('400');
    await idle.fill('31');
    await page.getByTestId('save-settings').click();
    await expect(page.getByTestId('restart-pending')).toBeVisible();
    const text = fs.readFileSync(path.join(path.dirname(state.dbPath), 'settings.toml'), 'utf8');
    expect(text).toContain('audit_retention_days = 400');
    expect(text).toContain('session_idle_min = 31');
    // A value the startup code refuses is named at its field; nothing is written (on a fresh
    // page, which shows the saved values).
    await open(page, state, '#/settings');
    await expect(audit).toHaveValue('400');
    await page.locator('input[name="weekly_summary.hour"]').fill('25');
    await page.getByTestId('save-settings').click();
    await expect(page.locator('[data-field-error="weekly_summary.hour"]')).toBeVisible();
    expect(fs.readFileSync(path.join(path.dirname(state.dbPath), 'settings.toml'), 'utf8')).toBe(text);

    await open(page, state, '#/system');
    await page.getByTestId('restart').click();
    await page.getByTestId('confirm').click();
    // Sessions end with the process: signing in again leads back to the page.
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible({ timeout: 60_000 });
    await page.getByLabel('E-mail').fill(state.adminEmail);
    await page.getByLabel('Password').fill(state.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('System');
    await open(page, state, '#/settings');
    await expect(page.getByTestId('restart-pending')).toHaveCount(0);
    await expect(page.locator('input[name="web.session_idle_min"]')).toHaveValue('31');
  });

  test('a value typed while the page reloads after a save is kept; untouched fields take the saved values', async ({ adminPage: page, state, api }) => {
    const fields = (await api.ok('GET', '/api/v1/settings')).fields as { name: string; value: unknown }[];
    const original = fields.find((f) => f.name === 'backend.audit_retention_days')!.value as number;
    const typed = String(((fields.find((f) => f.name === 'weekly_summary.hour')!.value as number) + 1) % 24);
    await open(page, state, '#/settings');
    const audit = page.locator('input[name="backend.audit_retention_days"]');
    const hour = page.locator('input[name="weekly_summary.hour"]');
    await expect(audit).toHaveValue(String(original));
    // The reload that follows the save is held until a field has been typed into and the file
    // changed once more behind the page's back.
    let requested!: () => void;
    const reloadRequested = new Promise<void>((r) => (requested = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/settings', async (route) => {
      if (route.request().method() === 'GET') {
        requested();
        await held;
      }
      await route.continue();
    });
    try {
      await audit.fill(String(original + 1));
      await page.getByTestId('save-settings').click();
      await reloadRequested;
      await hour.fill(typed);
      await api.ok('PATCH', '/api/v1/settings', { 'backend.audit_retention_days': original + 2 });
      release();
      // The reload arrived: the field the user did not touch since the save shows the file's value…
      await expect(audit).toHaveValue(String(original + 2));
      // …and the one typed meanwhile still holds what was typed, ready to be saved.
      await expect(hour).toHaveValue(typed);
    } finally {
      release();
      await page.unroute('**/api/v1/settings');
      await api.ok('PATCH', '/api/v1/settings', { 'backend.audit_retention_days': original });
    }
  });
});

test('the SMTP port changed in the page applies at once: the weekly summary reaches aiosmtpd in English and Italian', async ({ adminPage: page, state, api }) => {
  // A sink of this test's own (Debian's aiosmtpd), which the appliance does not know until the
  // setting below points it there: a mail arriving there shows the change applied without a
  // restart.
  const dir = fs.mkdtempSync(path.join(state.dir, 'aiosmtpd-'));
  const sink = await startAiosmtpd(dir);
  const original = ((await api.ok('GET', '/api/v1/settings')).fields as { name: string; value: unknown }[]).find((f) => f.name === 'email.port')!.value as number;
  try {
    // Last week's use on a machine of this test only, so its lines are known exactly: 1.5 h of
    // use makes its 1-hour plan due.
    const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Summary lathe') });
    const plan = unique('Oil the lathe');
    await api.ok('POST', '/api/v1/maintenance-plans', { machine_id: machine.id, description: plan, hours_between: 1 });
    const start = Math.floor(Date.now() / 1000) - 2 * 86400;
    await api.ok('POST', '/api/v1/uses', { member_id: state.seeded.members.mario, machine_id: machine.id, start, end: start + 5400 });

    await open(page, state, '#/settings');
    await page.locator('input[name="email.port"]').fill(String(sink.port));
    await page.getByTestId('save-settings').click();
    await expect(page.getByText('Settings saved.')).toBeVisible();
    await expect(page.getByTestId('summary-preview')).toContainText(`${machine.name}: 1 use(s), 1.5 h`);
    for (const [lang, subject, words] of [
      ['en', 'Weekly summary', ['Uses per machine', `${machine.name}: 1 use(s), 1.5 h`, 'Maintenance due', `${machine.name}: ${plan} (1.5 h used of 1.0 h)`, 'Unknown cards']],
      ['it', 'Riepilogo settimanale', ['Utilizzi per macchina', `${machine.name}: 1 utilizzi, 1.5 ore`, 'Manutenzioni da fare', `${machine.name}: ${plan} (1.5 ore di utilizzo su 1.0)`, 'Tessere sconosciute']],
    ] as const) {
      await page.getByTestId('summary-lang').selectOption(lang);
      await expect(page.getByTestId('summary-preview')).toContainText(words[0]);
      const before = mailCount(dir);
      const suiteSink = mailCount(state.mailDir);
      await page.getByTestId('summary-send').click();
      const mail = await waitForMail(dir, 'mario@fablab.org', before);
      expect(rawMail(dir, before, 'mario@fablab.org')).toMatch(new RegExp(`^Subject: ${subject}`, 'mi'));
      for (const w of words) expect(mail, `${lang}: ${w}`).toContain(w);
      // The other language's headings are not in it.
      expect(mail).not.toContain(lang === 'en' ? 'Utilizzi per macchina' : 'Uses per machine');
      // Nothing went to the suite's own catcher, the port's old value.
      expect(mailCount(state.mailDir)).toBe(suiteSink);
    }
  } finally {
    await api.ok('PATCH', '/api/v1/settings', { 'email.port': original });
    await sink.close();
  }
});
