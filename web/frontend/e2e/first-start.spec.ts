// The first start in the browser, on an appliance of its own (the suite's appliance is set up
// already): the sign-in page says nobody can sign in yet, and the one-time setup code of the log
// sets the administrator's password and signs in. The portal here is the one embedded in the
// binary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';
// @ts-expect-error: a plain ES module of the project
import { startAppliance, ADMIN_EMAIL } from '../scripts/appliance.mjs';

test.use({ allowStatuses: [400] });

test('first start: the setup code from the log sets the administrator’s password', async ({ page, consoleErrors }) => {
  void consoleErrors;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabomatic-first-start-'));
  const appliance = await startAppliance({ dir, bin: process.env.FABOMATIC_BIN });
  try {
    await page.goto(`${appliance.baseUrl}/`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByTestId('setup-pending')).toBeVisible();
    await page.getByRole('link', { name: 'Set the administrator’s password with the setup code' }).click();
    await expect(page.getByRole('heading', { name: 'First start' })).toBeVisible();
    await expect(page.getByText(ADMIN_EMAIL)).toBeVisible();

    await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC');
    await page.getByLabel('New password', { exact: true }).fill('first-admin-pass');
    await page.getByLabel('New password again').fill('first-admin-pass');
    await page.getByRole('button', { name: 'Set the password and sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('This is not the setup code');

    const codes = [...appliance.logText().matchAll(/setup code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/g)];
    expect(codes.length).toBeGreaterThan(0);
    const code = codes[codes.length - 1]![1]!;
    await page.getByLabel('Setup code').fill(code.toLowerCase().replaceAll('-', ' '));
    await page.getByRole('button', { name: 'Set the password and sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

    // Set up: another browser is told so.
    const other = await page.context().browser()!.newContext({ ignoreHTTPSErrors: true });
    const later = await other.newPage();
    await later.goto(`${appliance.baseUrl}/#/setup`);
    await expect(later.getByTestId('setup-done')).toBeVisible();
    await other.close();
  } finally {
    await appliance.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
