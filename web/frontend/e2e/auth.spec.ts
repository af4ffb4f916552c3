// Sign-in, first sign-in password change, wrong password, sign-out, session expiry (back to
// where the user was), forgot password and the reset link.
import { expect, test, unique, uniqueCard } from './fixtures';
import { ApiSession } from './helpers/api';
import { mailCount, waitForMail } from './helpers/smtp';

test('a first visit, and one whose session ended while the page was closed, log no error', async ({ page, state, consoleErrors }) => {
  // No 401 is allowed here: the app asks whether it is signed in, and the server answers 200.
  void consoleErrors;
  const sessionAnswers: number[] = [];
  page.on('response', (r) => r.url().endsWith('/api/v1/auth/session') && sessionAnswers.push(r.status()));
  await page.goto(`${state.baseURL}/#/members`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page).toHaveURL(/#\/signin\?next=%2Fmembers/);
  // A cookie of a session the server no longer knows (ended, or the appliance restarted).
  await page.context().addCookies([{ name: 'fabomatic_session', value: 'a-session-that-ended', url: state.baseURL, httpOnly: true, secure: true, sameSite: 'Strict' }]);
  await page.goto(`${state.baseURL}/#/machines`);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page).toHaveURL(/#\/signin\?next=%2Fmachines/);
  expect(sessionAnswers.length).toBeGreaterThanOrEqual(2);
  expect(sessionAnswers.every((s) => s === 200)).toBe(true);
});

test.describe('signing in', () => {
  test.use({ allowStatuses: [401] });

  test('wrong password is refused with a plain message', async ({ page, state, consoleErrors }) => {
    void consoleErrors;
    await page.goto(`${state.baseURL}/`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('E-mail').fill(state.adminEmail);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong e-mail or password.');
    // Empty fields: the client says so before asking the server.
    await page.getByLabel('Password').fill('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('[data-field-error="password"]')).toHaveText('Please fill this in.');
  });

  test('first sign-in must choose a new password, then lands where asked', async ({ page, state, api, consoleErrors }) => {
    void consoleErrors;
    const email = `${unique('first').replace(/\W+/g, '.')}@fablab.org`.toLowerCase();
    await api.ok('POST', '/api/v1/members', {
      name: 'First',
      surname: 'Timer',
      role_id: state.seeded.roles.admins,
      email,
      card: uniqueCard(),
      password: 'initial-pass-1',
      password_change_required: true,
    });
    await page.goto(`${state.baseURL}/#/machines`);
    await expect(page).toHaveURL(/#\/signin\?next=%2Fmachines/);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('initial-pass-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Change your password' })).toBeVisible();
    // Nothing else is reachable before the change.
    await page.getByLabel('Current password').fill('initial-pass-1');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.locator('[data-field-error="new"]')).toHaveText('At least 8 characters.');
    await page.getByLabel('New password', { exact: true }).fill('chosen-pass-22');
    await page.getByLabel('New password again').fill('chosen-pass-22');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();
    await expect(page).toHaveURL(/#\/machines$/);
    // The new password works, the old one does not.
    const check = new ApiSession(state.applianceURL);
    expect((await check.login(email, 'initial-pass-1')).status).toBe(401);
    expect((await check.login(email, 'chosen-pass-22')).status).toBe(200);
  });

  test('sign-out ends the session', async ({ adminPage: page, state }) => {
    await page.goto(`${state.baseURL}/#/roles`);
    await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
    await page.getByTestId('sign-out').click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.getByText('You have signed out.')).toBeVisible();
    // The old cookie is gone: reloading a page asks to sign in again.
    await page.goto(`${state.baseURL}/#/roles`);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('an expired session sends the user to sign-in and back to where they were', async ({ page, state, api, consoleErrors }) => {
    void consoleErrors;
    const email = `${unique('expiry').replace(/\W+/g, '.')}@fablab.org`.toLowerCase();
    const member = await api.ok('POST', '/api/v1/members', { name: 'Exp', surname: 'Iry', role_id: state.seeded.roles.admins, email, card: uniqueCard(), password: 'expiry-pass-1' });
    const { signInContext } = await import('./fixtures');
    await signInContext(page, state, email, 'expiry-pass-1');
    await page.goto(`${state.baseURL}/#/uses?machine=${state.seeded.machines.laser}`);
    await expect(page.getByRole('heading', { name: 'Usage history' })).toBeVisible();
    // Another admin sets this member's password: every session of the member ends at once,
    // and the server closes the page's live link saying so: the page goes to sign-in by itself.
    await api.ok('PATCH', `/api/v1/members/${member.id}`, { password: 'expiry-pass-2' });
    await expect(page.getByText('Your session has ended. Sign in again to continue where you were.')).toBeVisible();
    await expect(page).toHaveURL(/#\/signin\?next=/);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('expiry-pass-2');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Usage history', level: 1 })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#/uses\\?machine=${state.seeded.machines.laser}$`));
  });
});

test.describe('forgotten password', () => {
  test.use({ allowStatuses: [400, 401] });

  test('the mailed link sets a new password', async ({ page, state, api, consoleErrors }) => {
    void consoleErrors;
    const email = `${unique('forgot').replace(/\W+/g, '.')}@fablab.org`.toLowerCase();
    await api.ok('POST', '/api/v1/members', { name: 'For', surname: 'Got', role_id: state.seeded.roles.admins, email, card: uniqueCard(), password: 'forgot-pass-1' });
    const before = mailCount(state.mailDir);
    await page.goto(`${state.baseURL}/`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await expect(page.getByTestId('forgot-sent')).toBeVisible();
    const mail = await waitForMail(state.mailDir, email, before);
    const link = /https?:\/\/\S+#\/reset\?token=([\w-]+)/.exec(mail);
    expect(link, mail).not.toBeNull();
    const token = link![1]!;
    // A wrong token is refused in plain words.
    await page.goto(`${state.baseURL}/#/reset?token=${token}x`);
    await page.getByLabel('New password', { exact: true }).fill('reset-pass-1');
    await page.getByLabel('New password again').fill('reset-pass-1');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect(page.getByRole('alert')).toHaveText('This link is not valid: it expired or was already used.');
    // The real one works once.
    await page.goto(`${state.baseURL}/#/reset?token=${token}`);
    await page.getByLabel('New password', { exact: true }).fill('reset-pass-1');
    await page.getByLabel('New password again').fill('reset-pass-2');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect(page.locator('[data-field-error="repeat"]')).toHaveText('The two passwords are not the same.');
    await page.getByLabel('New password again').fill('reset-pass-1');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await expect(page.getByTestId('reset-done')).toBeVisible();
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('reset-pass-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  });
});
