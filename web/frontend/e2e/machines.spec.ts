// Machines and machine types: create, edit, delete with the counts of what goes with it; the
// machine page with its maintenance state and history link; a board announcing an unknown
// machine id listed with "create machine"; the board account of a machine and what the machines
// page says about the broker's access.
import { expect, open, test, unique } from './fixtures';
import { Board } from './helpers/mqtt';

test('create, edit and delete a machine, the delete showing its cascade counts', async ({ adminPage: page, state, api }) => {
  await open(page, state, '#/machines');
  await page.getByRole('button', { name: 'Add machine' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add machine' });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.locator('[data-field-error="name"]')).toHaveText('Please fill this in.');
  const name = unique('Vinyl cutter');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Type').selectOption({ label: 'Laser' });
  await dialog.getByLabel('Hours used').fill('4.5');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const m = (await api.ok('GET', `/api/v1/machines?q=${encodeURIComponent(name)}`)).items[0];
  expect(m).toMatchObject({ name, type_name: 'Laser', hours: 4.5 });

  // Things that belong to it.
  await api.ok('POST', '/api/v1/uses', { member_id: state.seeded.members.mario, machine_id: m.id, start: 1767000000, end: 1767003600 });
  await api.ok('POST', '/api/v1/uses', { member_id: state.seeded.members.lucia, machine_id: m.id, start: 1767010000, end: 1767013600 });
  await api.ok('POST', '/api/v1/authorizations', { member_id: state.seeded.members.mario, machine_id: m.id });
  await api.ok('POST', '/api/v1/maintenance-plans', { machine_id: m.id, description: 'Oil', hours_between: 50 });

  await page.getByRole('searchbox', { name: 'Search' }).fill(name);
  const row = page.getByTestId('machines-table').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `Edit ${name}` });
  await expect(edit.getByLabel('Hours used')).toHaveValue('6.5'); // 4.5 and the two uses' 2 h
  // While the form is open the hour counter moves on (here: another admin's correction; a use
  // ending at the board does the same): saving the block must not put back the 6.5 it shows.
  await api.ok('PATCH', `/api/v1/machines/${m.id}`, { hours: 8.25 });
  await edit.getByLabel('Blocked').check();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('Blocked');
  expect(await api.ok('GET', `/api/v1/machines/${m.id}`)).toMatchObject({ blocked: true, hours: 8.25 });

  await row.getByRole('button', { name: `Delete ${name}` }).click();
  const del = page.getByRole('dialog', { name: `Delete ${name}?` });
  const cascade = del.getByTestId('cascade');
  await expect(cascade).toContainText('2 uses of the machine');
  await expect(cascade).toContainText('1 authorization');
  await expect(cascade).toContainText('1 maintenance plan');
  await del.getByTestId('confirm').click();
  await expect(del).toBeHidden();
  await expect(row).toHaveCount(0);
  expect((await api.call('GET', `/api/v1/machines/${m.id}`)).status).toBe(404);
});

test('the machine page shows maintenance per plan and links to its history', async ({ adminPage: page, state }) => {
  await open(page, state, `#/machines/${state.seeded.machines.laser}`);
  await expect(page.getByRole('heading', { name: 'Laser cutter', level: 1 })).toBeVisible();
  const plan = page.getByTestId('plan-state').filter({ hasText: 'Clean the lens' });
  await expect(plan).toBeVisible();
  await expect(plan).toContainText(/Due|OK/);
  await page.getByRole('link', { name: /^History/ }).click();
  await expect(page.getByRole('heading', { name: 'Usage history' })).toBeVisible();
  await expect(page.getByLabel('Machine')).toHaveValue(String(state.seeded.machines.laser));
  const rows = page.getByTestId('uses-table').locator('tbody tr');
  await expect(rows.first()).toContainText('Laser cutter');
  await expect(rows.filter({ hasNotText: 'Laser cutter' })).toHaveCount(0);
});

test('a board announcing an unknown machine id is listed with "create machine"', async ({ adminPage: page, state, board, api }) => {
  const id = 900 + Math.floor(Math.random() * 90);
  await open(page, state, '#/machines');
  const b = await board(id);
  b.alive();
  const panel = page.getByTestId('discovered');
  await expect(panel).toContainText(`Machine number ${id}`);
  await panel.locator('li', { hasText: `Machine number ${id}` }).getByRole('button', { name: 'Create machine' }).click();
  const dialog = page.getByRole('dialog', { name: `Create machine number ${id}` });
  const name = unique('Band saw');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create machine' }).click();
  await expect(dialog).toBeHidden();
  const m = await api.ok('GET', `/api/v1/machines/${id}`);
  expect(m.name).toBe(name);
  // Its board is linked at once: the dashboard shows the board's address, and the board that
  // just said alive is online (not "Offline" until its next alive).
  await open(page, state, '#/');
  const card = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
  await expect(card.getByTestId('board-ip')).toHaveText(b.ip);
  await expect(card).toHaveAttribute('data-state', 'free'); // b said alive once, before the machine existed
});

test.describe('machine types', () => {
  test('create, edit, and delete; a type in use cannot be deleted', async ({ adminPage: page, state, api }) => {
    await open(page, state, '#/machine-types');
    await page.getByRole('button', { name: 'Add machine type' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add machine type' });
    const name = unique('Lathe');
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Automatic log-off (minutes)').fill('70000');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.locator('[data-field-error="timeout_min"]')).toContainText('between 0 and');
    await dialog.getByLabel('Automatic log-off (minutes)').fill('30');
    await dialog.getByLabel('Who may use it').selectOption({ label: 'Every member' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByTestId('types-table').locator('tbody tr', { hasText: name });
    await expect(row).toContainText('30 minutes');
    await expect(row).toContainText('Every member');
    await row.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${name}` });
    await edit.getByLabel('Power-off delay (minutes)').fill('2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(row).toContainText('2 minutes');
    await row.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByTestId('confirm').click();
    await expect(row).toHaveCount(0);

    // "Laser" has machines: the dialog says why it cannot go and offers no delete.
    const laser = page.getByTestId('types-table').locator('tbody tr', { hasText: /^Laser/ });
    await laser.getByRole('button', { name: 'Delete Laser' }).click();
    await expect(page.getByTestId('blocked')).toContainText(/(has|have) this type: change (its|their) type first/);
    await expect(page.getByTestId('confirm')).toHaveCount(0);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await api.ok('GET', `/api/v1/machine-types/${state.seeded.types.laser}`)).name).toBe('Laser');
  });
});

test('a board account: the secret shown once, a new secret, revoked', async ({ adminPage: page, state, api }) => {
  const machine = await api.ok('POST', '/api/v1/machines', { name: unique('Router table') });
  await open(page, state, `#/machines/${machine.id}`);
  const panel = page.getByTestId('board-account');
  await expect(panel).toContainText('has no account of its own');
  await panel.getByRole('button', { name: 'Create board account' }).click();
  const shown = page.getByRole('dialog', { name: `Board account of ${machine.name}` });
  await expect(shown.getByTestId('board-secret')).toContainText(`board-${machine.id}`);
  const secret = (await shown.locator('code.secret').textContent())!;
  expect(secret).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
  await shown.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toBeHidden();
  await expect(panel).toContainText(`board-${machine.id}`);
  await expect(panel).toContainText('not connected with it');
  await expect(panel).not.toContainText(secret);

  // The board logs in with it: the panel says from where, and on a phone the long badge wraps
  // instead of pushing the page sideways.
  const board = new Board(state.mqttPort, machine.id, undefined, { username: `board-${machine.id}`, password: secret });
  try {
    await board.connect();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect(panel).toContainText(/connected from 127\.0\.0\.1:\d+/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  } finally {
    board.close();
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  await panel.getByRole('button', { name: 'New secret' }).click();
  await page.getByRole('dialog', { name: /A new secret/ }).getByRole('button', { name: 'New secret' }).click();
  const again = page.getByRole('dialog', { name: `Board account of ${machine.name}` });
  const rotated = (await again.locator('code.secret').textContent())!;
  expect(rotated).not.toBe(secret);
  await again.getByRole('button', { name: 'Done' }).click();

  await panel.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog', { name: /Revoke the board account/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(panel.getByRole('button', { name: 'Create board account' })).toBeVisible();
  expect((await api.ok('GET', '/api/v1/board-accounts')).items.find((a: { machine_id: number }) => a.machine_id === machine.id)).toBeUndefined();
});

test('the machines page says who may connect to the broker', async ({ adminPage: page, state }) => {
  // The suite's appliance lets anonymous boards in (allow_anonymous = true).
  await open(page, state, '#/machines');
  await expect(page.getByTestId('mqtt-access')).toContainText('allow_anonymous = true');
});
