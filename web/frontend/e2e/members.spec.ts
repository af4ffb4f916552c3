// Members: search and paging, add (client and server field errors), edit, disable, delete with
// what goes with it; unknown cards converted into members.
import { expect, open, test, unique, uniqueCard } from './fixtures';
import { mailCount, waitForMail } from './helpers/smtp';

test.describe('members', () => {
  test.use({ allowStatuses: [409] });

  test('add with field errors from the client and the server, then edit and disable', async ({ adminPage: page, state, api }) => {
    await open(page, state, '#/members');
    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'New member' });
    await dialog.getByLabel('Name', { exact: true }).fill('');
    await dialog.getByLabel('Card').fill('xyz');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.locator('[data-field-error="name"]')).toHaveText('Please fill this in.');
    await expect(dialog.locator('[data-field-error="role_id"]')).toHaveText('Choose a role.');
    await expect(dialog.locator('[data-field-error="card"]')).toContainText('8 characters');
    await expect(dialog.getByLabel('Name', { exact: true })).toBeFocused();
    const surname = unique('Verdi');
    await dialog.getByLabel('Name', { exact: true }).fill('Giuseppe');
    await dialog.getByLabel('Surname').fill(surname);
    await dialog.getByLabel('Role').selectOption({ label: 'Fab Users' });
    // Mario's card: the form finds it taken before saving and says so next to the field,
    // without a refused request (which the browser would log as an error).
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 409) refused.push(r.url());
    });
    await dialog.getByLabel('Card').fill(state.seeded.cards.mario.toUpperCase());
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.locator('[data-field-error="card"]')).toHaveText('This card already belongs to Mario Rossi.');
    expect(refused).toEqual([]);
    const card = uniqueCard();
    await dialog.getByLabel('Card').fill(card);
    await dialog.getByLabel('E-mail', { exact: true }).fill('giuseppe@fablab.org');
    await dialog.getByLabel('Receives the weekly summary by e-mail').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText(`Giuseppe ${surname} added.`)).toBeVisible();
    const created = (await api.ok('GET', `/api/v1/members?q=${card}`)).items[0];
    expect(created).toMatchObject({ name: 'Giuseppe', surname, card, email: 'giuseppe@fablab.org', receive_weekly_summary: true, disabled: false });

    await page.getByRole('searchbox', { name: 'Search' }).fill(card);
    const row = page.getByTestId('members-table').locator('tbody tr');
    await expect(row).toHaveCount(1);
    await row.getByRole('button', { name: `Edit Giuseppe ${surname}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit Giuseppe ${surname}` });
    await expect(edit.getByLabel('Card')).toHaveValue(card);
    await edit.getByLabel('Disabled', { exact: true }).check();
    await edit.getByLabel('Role').selectOption({ label: 'Fab Staff' });
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText('Disabled');
    await expect(row).toContainText('Fab Staff');
    expect((await api.ok('GET', `/api/v1/members/${created.id}`)).disabled).toBe(true);
  });

  test('delete says what goes with it and what stays', async ({ adminPage: page, state, api }) => {
    const card = uniqueCard();
    const surname = unique('Neri');
    const m = await api.ok('POST', '/api/v1/members', { name: 'Anna', surname, role_id: state.seeded.roles.users, card });
    await api.ok('POST', '/api/v1/uses', { member_id: m.id, machine_id: state.seeded.machines.mill, start: 1767000000, end: 1767003600 });
    await api.ok('POST', '/api/v1/uses', { member_id: m.id, machine_id: state.seeded.machines.mill, start: 1767100000, end: 1767103600 });
    await api.ok('POST', '/api/v1/authorizations', { member_id: m.id, machine_id: state.seeded.machines.laser });
    await api.ok('POST', '/api/v1/interventions', { plan_id: state.seeded.plans.laserLens, member_id: m.id, timestamp: 1767200000 });
    await open(page, state, `#/members?q=${card}`);
    await page.getByRole('button', { name: `Delete Anna ${surname}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete Anna ${surname}?` });
    const cascade = dialog.getByTestId('cascade');
    // Nothing is removed with a member: the list is not headed "This also removes".
    await expect(cascade).toContainText('What happens to their records:');
    await expect(cascade).not.toContainText('removes');
    await expect(cascade).toContainText(`their card ${card} becomes free`);
    await expect(cascade).toContainText('their 2 uses stay in the history');
    await expect(cascade).toContainText('their 1 authorization stays on record');
    await expect(cascade).toContainText('their 1 maintenance intervention stays on record');
    await dialog.getByTestId('confirm').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('members-table').locator('tbody tr')).toHaveCount(0);
    const after = await api.ok('GET', `/api/v1/members/${m.id}`);
    expect(after).toMatchObject({ deleted: true, card: null });
  });

  test('server field errors are shown by their code in the chosen language, not by their sentence', async ({ adminPage: page, state }) => {
    // The server's sentence is reworded on the way (as a newer server might word it): the form
    // must still say the right thing, in Italian, from the code; a code it does not know yet
    // falls back to the server's sentence.
    let code = 'taken';
    // The form's own look-up finds the card free, as when another admin takes it in between:
    // the server's 409 decides.
    await page.route('**/api/v1/members?*', async (route) => {
      const q = new URL(route.request().url()).searchParams.get('q');
      if (q !== state.seeded.cards.mario) return route.continue();
      await route.fulfill({ json: { items: [], total: 0, limit: 50, offset: 0 } });
    });
    await page.route('**/api/v1/members', async (route) => {
      const response = await route.fetch();
      if (route.request().method() !== 'POST' || response.status() !== 409) return route.fulfill({ response });
      const body = await response.json();
      expect(body.error.field_codes.card).toEqual({ code: 'taken' });
      body.error.fields.card = 'sentence reworded by the server';
      body.error.field_codes.card.code = code;
      await route.fulfill({ response, json: body });
    });
    await page.addInitScript(() => localStorage.setItem('fabomatic.lang', 'it'));
    await open(page, state, '#/members');
    await page.getByRole('button', { name: 'Aggiungi socio' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nuovo socio' });
    await dialog.getByLabel('Nome', { exact: true }).fill('Giulia');
    await dialog.getByLabel('Ruolo').selectOption({ label: 'Fab Users' });
    await dialog.getByLabel('Tessera').fill(state.seeded.cards.mario);
    await dialog.getByRole('button', { name: 'Salva' }).click();
    await expect(dialog.locator('[data-field-error="card"]')).toHaveText('Questa tessera appartiene già a un altro socio.');
    code = 'a_code_of_a_newer_server';
    await dialog.getByRole('button', { name: 'Salva' }).click();
    await expect(dialog.locator('[data-field-error="card"]')).toHaveText('sentence reworded by the server');
  });

  test('a name pasted with a tab is refused in the chosen language, saying why', async ({ adminPage: page, state }) => {
    await page.addInitScript(() => localStorage.setItem('fabomatic.lang', 'it'));
    await open(page, state, '#/members');
    await page.getByRole('button', { name: 'Aggiungi socio' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nuovo socio' });
    await dialog.getByLabel('Nome', { exact: true }).fill('Giulia\tVerdi');
    await dialog.getByLabel('Ruolo').selectOption({ label: 'Fab Users' });
    await dialog.getByRole('button', { name: 'Salva' }).click();
    await expect(dialog.locator('[data-field-error="name"]')).toHaveText(/^Una sola riga: niente tabulazioni/);
  });

  test('the Anonymous member offers neither edit nor delete', async ({ adminPage: page, state, api }) => {
    const anonymous = (await api.ok('GET', '/api/v1/members?q=Anonymous')).items.find((m: { reserved: boolean }) => m.reserved);
    expect(anonymous).toBeTruthy();
    await open(page, state, '#/members?q=Anonymous');
    const row = page.getByTestId('members-table').locator('tbody tr', { hasText: anonymous.name });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('button')).toHaveCount(0);
    // Other members keep their buttons.
    await open(page, state, `#/members?q=${state.seeded.cards.mario}`);
    await expect(page.getByTestId('members-table').locator('tbody tr').getByRole('button', { name: 'Edit Mario Rossi' })).toBeVisible();
  });

  test('an admin sends a member the reset mail from the member form', async ({ adminPage: page, state, api }) => {
    const email = `${unique('reset').replace(/\W+/g, '.')}@fablab.org`.toLowerCase();
    const surname = unique('Blu');
    await api.ok('POST', '/api/v1/members', { name: 'Rita', surname, role_id: state.seeded.roles.admins, email, card: uniqueCard() });
    const before = mailCount(state.mailDir);
    await open(page, state, `#/members?q=${encodeURIComponent(surname)}`);
    await page.getByRole('button', { name: `Edit Rita ${surname}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit Rita ${surname}` });
    await expect(dialog.getByTestId('reset-mail')).toContainText(`Mails ${email} a link`);
    await dialog.getByRole('button', { name: 'Send password reset mail' }).click();
    await expect(page.getByText(`A mail with a link to set a new password is on its way to ${email}.`)).toBeVisible();
    const mail = await waitForMail(state.mailDir, email, before);
    expect(mail).toMatch(/#\/reset\?token=/);
    const audit = await api.ok('GET', '/api/v1/audit?action=password_reset_requested');
    expect(audit.total).toBeGreaterThan(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // A member whose role cannot sign in: the button says why it cannot help.
    await open(page, state, `#/members?q=${state.seeded.cards.mario}`);
    await page.getByRole('button', { name: 'Edit Mario Rossi' }).click();
    const mario = page.getByRole('dialog', { name: 'Edit Mario Rossi' });
    await expect(mario.getByRole('button', { name: 'Send password reset mail' })).toBeDisabled();
    await expect(mario.getByTestId('reset-mail')).toContainText('cannot sign in to the portal');
  });

  test('search and page through the whole list on the server', async ({ adminPage: page, state }) => {
    await open(page, state, '#/members?q=Bulk');
    await expect(page.getByText('1–50 of 60')).toBeVisible();
    await expect(page.getByTestId('members-table').locator('tbody tr')).toHaveCount(50);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('51–60 of 60')).toBeVisible();
    await expect(page.getByTestId('members-table').locator('tbody tr')).toHaveCount(10);
    await expect(page).toHaveURL(/offset=50/);
    await page.getByRole('searchbox', { name: 'Search' }).fill('Member 007');
    await expect(page.getByTestId('members-table').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByText('1–1 of 1')).toBeVisible();
  });
});

test('an unknown card tapped on a machine becomes a member in one step', async ({ adminPage: page, state, board, api }) => {
  const card = uniqueCard();
  await open(page, state, '#/unknown-cards');
  const b = await board(state.seeded.machines.laser);
  b.alive();
  const reply = await b.checkuser(card);
  expect(reply.is_valid).toBe(false);
  // The list follows the live link: the tap shows up without reload.
  const row = page.getByTestId('unknown-table').locator('tbody tr', { hasText: card });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Laser cutter');
  await row.getByRole('button', { name: `Convert card ${card} to a new member` }).click();
  const dialog = page.getByRole('dialog', { name: `New member with card ${card}` });
  await expect(dialog.getByLabel('Card', { exact: true })).toHaveValue(card);
  const surname = unique('Gialli');
  await dialog.getByLabel('Name', { exact: true }).fill('Paolo');
  await dialog.getByLabel('Surname').fill(surname);
  await dialog.getByLabel('Role').selectOption({ label: 'Fab Users' });
  // Fab Users opens no machine by itself: the machine of the tap is offered, checked.
  await expect(dialog.getByLabel('Authorize on Laser cutter, where the card was tapped')).toBeChecked();
  await dialog.getByRole('button', { name: 'Create member' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Paolo ${surname} added and authorized on Laser cutter; 1 tap of the card removed from this list.`)).toBeVisible();
  await expect(row).toHaveCount(0);
  const member = (await api.ok('GET', `/api/v1/members?q=${card}`)).items[0];
  expect(member).toMatchObject({ name: 'Paolo', surname, card });
  // The card now opens the machine it was tapped at, and only that one.
  expect((await b.checkuser(card)).is_valid).toBe(true);
  const mill = await board(state.seeded.machines.mill);
  mill.alive();
  expect((await mill.checkuser(card)).is_valid).toBe(false);
});
