// Roles, authorizations (filter, add, delete, bulk with select all), maintenance plans and
// interventions, usage history (filters, open uses, register, delete) and the audit log.
import { expect, open, test, unique } from './fixtures';

test('roles: create with flags, edit keeps the flags, delete; a reserved role is not editable', async ({ adminPage: page, state, api }) => {
  await open(page, state, '#/roles');
  await expect(page.getByTestId('roles-table').locator('tbody tr', { hasText: 'admins' })).toContainText('Reserved');
  await page.getByRole('button', { name: 'Add role' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add role' });
  const name = unique('Trainers');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Maintenance', { exact: true }).check();
  await dialog.getByLabel('All machines').check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('roles-table').locator('tbody tr', { hasText: name });
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  await expect(edit.getByLabel('Maintenance', { exact: true })).toBeChecked();
  await expect(edit.getByLabel('All machines')).toBeChecked();
  await edit.getByLabel('Name').fill(`${name} 2`);
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  const role = (await api.ok('GET', '/api/v1/roles?limit=500')).items.find((r: { name: string }) => r.name === `${name} 2`);
  expect(role).toMatchObject({ maintenance: true, authorize_all: true, backend_admin: false });
  await page.getByTestId('roles-table').locator('tbody tr', { hasText: `${name} 2` }).getByRole('button', { name: `Delete ${name} 2` }).click();
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('roles-table').locator('tbody tr', { hasText: `${name} 2` })).toHaveCount(0);
});

test('authorizations: filter by member and machine, add, delete', async ({ adminPage: page, state, api }) => {
  await open(page, state, '#/authorizations');
  await page.getByRole('combobox', { name: 'Member' }).fill('Rossi');
  await page.getByRole('option', { name: /Mario Rossi/ }).click();
  await expect(page).toHaveURL(new RegExp(`member=${state.seeded.members.mario}`));
  const rows = page.getByTestId('auth-table').locator('tbody tr');
  await expect(rows.first()).toContainText('Mario Rossi');
  await expect(rows.filter({ hasNotText: 'Mario Rossi' })).toHaveCount(0);
  await page.getByLabel('Machine').selectOption({ label: 'CNC mill' });
  await expect(page.getByText('No authorizations match.')).toBeVisible();

  await page.getByRole('button', { name: 'Authorize', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Authorize' });
  await expect(dialog.getByRole('combobox', { name: 'Member' })).toHaveValue(/Mario Rossi/);
  await expect(dialog.getByLabel('Machine')).toHaveValue(String(state.seeded.machines.mill));
  await dialog.getByRole('button', { name: 'Authorize' }).click();
  await expect(dialog).toBeHidden();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('CNC mill');
  await rows.getByRole('button', { name: 'Remove the authorization of Mario Rossi on CNC mill' }).click();
  await expect(page.getByRole('dialog')).toContainText('Mario Rossi will no longer be able to use CNC mill.');
  await page.getByTestId('confirm').click();
  await expect(rows).toHaveCount(0);
  const left = await api.ok('GET', `/api/v1/authorizations?member_id=${state.seeded.members.mario}&machine_id=${state.seeded.machines.mill}`);
  expect(left.total).toBe(0);
});

test('bulk authorization: one machine, all matching members selected', async ({ adminPage: page, state, api }) => {
  const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Embroidery') });
  // One of them is already authorized: it is skipped.
  await api.ok('POST', '/api/v1/authorizations', { member_id: state.seeded.members.bulk[0], machine_id: machine.id });
  await open(page, state, '#/authorizations');
  await page.getByRole('button', { name: 'Authorize many' }).click();
  const dialog = page.getByRole('dialog', { name: 'Authorize many members on one machine' });
  await dialog.getByLabel('Machine').selectOption({ label: machine.name });
  await dialog.getByRole('searchbox', { name: 'Search' }).fill('Bulk');
  await expect(dialog.getByTestId('select-all')).toHaveText('Select all 60 that match');
  await dialog.getByTestId('select-all').click();
  await expect(dialog.getByTestId('selected-count')).toHaveText('60 members selected');
  await dialog.getByRole('button', { name: 'Authorize' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('59 authorized; 1 already were.')).toBeVisible();
  expect((await api.ok('GET', `/api/v1/authorizations?machine_id=${machine.id}`)).total).toBe(60);
});

test('maintenance: plan with its state, register / edit / delete an intervention, replayed ones marked', async ({ adminPage: page, state, api, board }) => {
  const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Drill press'), hours: 20 });
  await open(page, state, `#/maintenance?machine=${machine.id}`);
  await page.getByRole('button', { name: 'Add plan' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add plan' });
  await expect(dialog.getByLabel('Machine')).toHaveValue(String(machine.id));
  await dialog.getByLabel('What to do').fill('Check the belt');
  await dialog.getByLabel('Every (hours of use)').fill('5');
  await dialog.getByLabel('Message on the display').fill('CHECK THE BELT NOW!');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.locator('[data-field-error="lcd_message"]')).toHaveText('At most 16 characters.');
  await dialog.getByLabel('Message on the display').fill('CHECK BELT');
  await dialog.getByLabel('Instructions (web address)').fill('javascript:alert(1)');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.locator('[data-field-error="instructions_url"]')).toContainText('http://');
  await dialog.getByLabel('Instructions (web address)').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId('plans-table').locator('tbody tr', { hasText: 'Check the belt' });
  await expect(row).toContainText('OK');
  // Six hours of use (before any intervention): due every 5, so it is due now.
  const start = Math.floor(Date.now() / 1000) - 7 * 3600;
  await api.ok('POST', '/api/v1/uses', { member_id: state.seeded.members.mario, machine_id: machine.id, start, end: start + 6 * 3600 });
  await page.reload();
  await expect(row).toContainText('Due');

  await row.getByRole('link', { name: 'Register done' }).click();
  const reg = page.getByRole('dialog', { name: 'Register intervention' });
  await expect(reg.getByRole('combobox', { name: 'Done by' })).toHaveValue(/admin/);
  await reg.getByRole('button', { name: 'Save' }).click();
  await expect(reg).toBeHidden();
  const irows = page.getByTestId('interventions-table').locator('tbody tr', { hasText: 'Check the belt' });
  await expect(irows).toHaveCount(1);
  await expect(irows).toContainText('Live');
  await page.getByRole('link', { name: 'Plans' }).click();
  await expect(page.getByTestId('plans-table').locator('tbody tr', { hasText: 'Check the belt' })).toContainText('OK');

  // Edit its date, then a replayed intervention from the board is marked.
  await page.getByRole('link', { name: 'Interventions' }).click();
  await irows.getByRole('button', { name: /^Edit Check the belt/ }).click();
  const edit = page.getByRole('dialog', { name: 'Edit intervention' });
  await edit.getByLabel('When').fill('2026-03-01T09:30');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(irows).toContainText('2026');
  const plan = (await api.ok('GET', `/api/v1/maintenance-plans?machine_id=${machine.id}`)).items[0];
  const b = await board(machine.id);
  b.alive();
  await b.maintenance(state.seeded.cards.lucia, true);
  await page.reload();
  await expect(irows).toHaveCount(2);
  await expect(irows.filter({ hasText: 'Replayed' })).toHaveCount(1);
  expect((await api.ok('GET', `/api/v1/interventions?plan_id=${plan.id}`)).items.some((i: { replay: boolean }) => i.replay)).toBe(true);

  // Delete the plan: its interventions go with it, and the dialog says so.
  await page.getByRole('link', { name: 'Plans' }).click();
  // exact: the interventions' own Delete buttons begin with the plan's name too, and may still
  // be on the page while the Plans tab renders.
  await page.getByRole('button', { name: 'Delete Check the belt', exact: true }).click();
  await expect(page.getByTestId('cascade')).toContainText('2 registered interventions');
  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('plans-table').locator('tbody tr', { hasText: 'Check the belt' })).toHaveCount(0);
});

test('usage history: filter by date range and member, open uses highlighted, register and delete', async ({ adminPage: page, state, api }) => {
  const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Soldering station') });
  // The machine filter reads the light list of names, not the machines with their maintenance.
  const machineLists: string[] = [];
  page.on('request', (r) => /\/api\/v1\/machines(\/names)?(\?|$)/.test(r.url()) && machineLists.push(new URL(r.url()).pathname));
  await open(page, state, '#/uses');
  await expect(page.getByLabel('Machine').locator('option', { hasText: machine.name })).toHaveCount(1);
  expect(machineLists.length).toBeGreaterThan(0);
  expect(new Set(machineLists)).toEqual(new Set(['/api/v1/machines/names']));
  const rows = page.getByTestId('uses-table').locator('tbody tr');
  await page.locator('input[name="from"]').fill('2026-02-01');
  await page.locator('input[name="to"]').fill('2026-02-28');
  await expect(page).toHaveURL(/from=2026-02-01/);
  await expect(page).toHaveURL(/to=2026-02-28/);
  await expect(rows.filter({ hasText: 'Mario Rossi' })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: /Feb 2026/ })).toHaveCount(0);
  await expect(rows.first()).toContainText('30m');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('combobox', { name: 'Member' }).fill('Lucia');
  await page.getByRole('option', { name: /Lucia Bianchi/ }).click();
  await expect(page).toHaveURL(new RegExp(`member=${state.seeded.members.lucia}`));
  await expect(rows.first()).toContainText('Lucia Bianchi');
  await expect(rows.filter({ hasNotText: 'Lucia Bianchi' })).toHaveCount(0);

  // Register an open use by hand: it is highlighted as in progress.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('button', { name: 'Register use' }).click();
  const dialog = page.getByRole('dialog', { name: 'Register use' });
  await dialog.getByRole('combobox', { name: 'Member' }).fill('Rossi');
  await dialog.getByRole('option', { name: /Mario Rossi/ }).click();
  await dialog.getByLabel('Machine').selectOption({ label: machine.name });
  await dialog.getByLabel('End').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await page.getByLabel('Machine').selectOption({ label: machine.name });
  const open1 = rows.filter({ hasText: machine.name });
  await expect(open1).toHaveCount(1);
  await expect(open1).toHaveClass(/row-open/);
  await expect(open1).toContainText('In progress');
  await open1.getByRole('button', { name: /^Delete the use/ }).click();
  await page.getByTestId('confirm').click();
  await expect(rows).toHaveCount(0);
  expect((await api.ok('GET', `/api/v1/uses?machine_id=${machine.id}`)).total).toBe(0);
});

test('usage history: a use its board never stopped ends at its last sign of life, marked estimated', async ({ adminPage: page, state, api, board }) => {
  const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Band saw') });
  const start = Math.floor(Date.now() / 1000) - 600;
  const earlier = await api.ok('POST', '/api/v1/uses', { member_id: state.seeded.members.lucia, machine_id: machine.id, start });
  // The next start on that machine closes the forgotten use where it was last seen.
  const b = await board(machine.id);
  expect((await b.query({ action: 'startuse', uid: state.seeded.cards.mario })).request_ok).toBe(true);
  await open(page, state, `#/uses?machine=${machine.id}`);
  const rows = page.getByTestId('uses-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  const closed = rows.filter({ hasText: 'Lucia Bianchi' });
  const badge = closed.getByText('Estimated', { exact: true });
  await expect(badge).toBeVisible();
  await expect(badge).toHaveAttribute('title', /last sign of life/);
  await expect(rows.filter({ hasText: 'Mario Rossi' })).toContainText('In progress');
  expect((await api.ok('GET', `/api/v1/uses/${earlier.id}`)).end_estimated).toBe(true);

  // The staff correct its end by hand: no longer an estimate; its start keeps its seconds.
  await closed.getByRole('button', { name: /^Correct the use of / }).click();
  const edit = page.getByRole('dialog', { name: /^Correct the use of / });
  await expect(edit.getByText(/last sign of life/)).toBeVisible();
  // In the browser's own time zone, as the field shows it.
  const endText = await page.evaluate((seconds) => {
    const d = new Date(seconds * 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, start + 300);
  await edit.getByLabel('End').fill(endText);
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText('Use corrected.')).toBeVisible();
  await expect(badge).toBeHidden();
  const corrected = await api.ok('GET', `/api/v1/uses/${earlier.id}`);
  expect(corrected).toMatchObject({ start, end_estimated: false });
  expect(corrected.end).toBe(Math.floor((start + 300) / 60) * 60);
});

test('audit log: who changed what, when, in words; what a deleted row held; by whom and which days', async ({ adminPage: page, state, api }) => {
  const name = unique('Audited type');
  const type = await api.ok('POST', '/api/v1/machine-types', { name, timeout_min: 30 });
  await api.ok('PATCH', `/api/v1/machine-types/${type.id}`, { name: `${name} renamed` });
  await api.ok('DELETE', `/api/v1/machine-types/${type.id}`);
  await open(page, state, '#/audit');
  await page.getByLabel('What').selectOption({ label: 'Machine type' });
  const rows = page.getByTestId('audit-table').locator('tbody tr', { hasText: `#${type.id}` });
  await expect(rows).toHaveCount(3);
  const changed = rows.filter({ hasText: 'Changed' });
  await expect(changed).toContainText(state.adminEmail);
  await changed.getByText('1 field changed').click();
  // The field by its label, the values as typed (not JSON).
  await expect(changed.locator('li[data-field="name"]')).toHaveText(`Name: ${name} → ${name} renamed`);
  // A deletion keeps what the row held, readable: enough to make it again.
  const deleted = rows.filter({ hasText: 'Deleted' });
  await deleted.getByTestId('audit-row').locator('summary').click();
  await expect(deleted.locator('li[data-field="name"]')).toHaveText(`Name: ${name} renamed`);
  await expect(deleted.locator('li[data-field="timeout_min"]')).toHaveText('Automatic log-off (minutes): 30');

  // By whom: the admin made all three; from tomorrow on, none.
  await page.getByRole('combobox', { name: 'By' }).fill('admin');
  await page.getByRole('option', { name: /admin/ }).first().click();
  await expect(page).toHaveURL(/who=\d+/);
  await expect(rows).toHaveCount(3);
  const [today, tomorrow] = await page.evaluate(() => {
    const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const now = new Date();
    return [day(now), day(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1))];
  });
  await page.locator('input[name="from"]').fill(tomorrow!);
  await expect(rows).toHaveCount(0);
  await page.locator('input[name="from"]').fill(today!);
  await page.locator('input[name="to"]').fill(today!);
  await expect(rows).toHaveCount(3);
  // Someone else made none of them.
  await page.getByRole('combobox', { name: 'By' }).fill('Rossi');
  await page.getByRole('option', { name: /Mario Rossi/ }).click();
  await expect(rows).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByLabel('What')).toHaveValue('');
});
