// The dashboard: live updates from the board without reload, the lost/reconnecting state,
// remote start/stop with the outcome the simulated board confirmed (or that it did not answer).
import { expect, open, signInContext, test, unique, uniqueCard } from './fixtures';

test('a board message reaches its card live, without reload or polling', async ({ adminPage: page, state, board }) => {
  const id = state.seeded.machines.mill;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await open(page, state, '#/');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open');
  const card = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
  await expect(card).toBeVisible();
  const b = await board(id);
  b.alive();
  await expect(card).toHaveAttribute('data-state', 'free');
  await expect(card.getByTestId('board-ip')).toHaveText(b.ip);
  const started = Date.now();
  expect(await b.tapIn(state.seeded.cards.lucia)).toBe(true);
  await expect(card).toHaveAttribute('data-state', 'in_use', { timeout: 1000 });
  expect(Date.now() - started).toBeLessThan(1500);
  await expect(card.getByTestId('member')).toHaveText('Lucia Bianchi');
  // Begun after the page's coarse clock last ticked, yet never "in N seconds".
  await expect(card.getByTestId('since')).toHaveText(/^(now|\d+ seconds? ago)$/);
  await expect(card.getByText('In use')).toBeVisible();
  await b.tapOut();
  await expect(card).toHaveAttribute('data-state', 'free', { timeout: 1000 });
  // No request for data was made after the first load: updates came over the WebSocket only.
  const apiCalls = requests.filter((u) => u.includes('/api/v1/') && !u.includes('/api/v1/live'));
  expect(apiCalls.filter((u) => u.includes('/live/status') || u.includes('/machines'))).toEqual([]);
});

test('a lost live link is shown and comes back by itself', async ({ adminPage: page, state }) => {
  let closeServerSide: (() => void) | null = null;
  let connections = 0;
  await page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
    connections++;
    const server = ws.connectToServer();
    // The first connection is cut from the server side after it opened; later ones pass.
    if (connections === 1) closeServerSide = () => server.close();
  });
  await open(page, state, '#/');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open');
  closeServerSide!();
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'lost');
  await expect(page.getByTestId('live-state')).toContainText('Live link lost');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open', { timeout: 5000 });
  expect(connections).toBeGreaterThanOrEqual(2);
});

test('a page on screen keeps its session with the heartbeat; offline is lost at once, and back online it reconnects at once', async ({ adminPage: page, state, context, board }) => {
  test.setTimeout(60_000);
  const sent: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (frame) => sent.push(String(frame.payload))));
  await open(page, state, '#/');
  const live = page.getByTestId('live-state');
  await expect(live).toHaveAttribute('data-state', 'open');
  // The heartbeat comes every 15 s; the page on screen answers it (what keeps its session).
  await expect.poll(() => sent, { timeout: 20_000 }).toContain('{"type":"visible"}');

  const grid = page.getByTestId('machine-grid');
  const id = state.seeded.machines.printer;
  (await board(id)).alive(); // online: its card has a Start button
  const start = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`).getByRole('button', { name: 'Start Prusa MK4' });
  await expect(start).toBeEnabled();
  await expect(grid).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('stale-note')).toHaveCount(0);

  await context.setOffline(true);
  await expect(live).toHaveAttribute('data-state', 'lost', { timeout: 2_000 });
  // The cards say they are old news, and nothing can be started on them.
  await expect(grid).toHaveAttribute('data-stale', 'true');
  await expect(page.getByTestId('stale-note')).toContainText(/The live link is lost: these states are as of \d/);
  await expect(start).toBeDisabled();
  // Offline long enough for the back-off to grow past several seconds.
  await page.waitForTimeout(10_000);
  await context.setOffline(false);
  await expect(live).toHaveAttribute('data-state', 'open', { timeout: 3_000 });
  await expect(grid).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('stale-note')).toHaveCount(0);
  await expect(start).toBeEnabled();
});

test('an admin without a card is offered Stop only and told why; a card given to oneself brings Start back', async ({ adminPage: page, state, board, api }) => {
  const id = state.seeded.machines.printer;
  (await board(id)).alive();
  const me = (await api.ok('GET', '/api/v1/auth/session')).user.id as number;
  await api.ok('PATCH', `/api/v1/members/${me}`, { card: null });
  try {
    await open(page, state, '#/');
    const card = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
    await expect(card).toHaveAttribute('data-state', 'free');
    await expect(page.getByTestId('no-card-note')).toBeVisible();
    await expect(card.getByRole('button', { name: 'Start Prusa MK4' })).toHaveCount(0);
    // The note leads to one's own record; a card saved there brings Start back.
    await page.getByTestId('no-card-note').getByRole('link').click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('dialog').getByLabel('Card').fill(state.seeded.cards.admin);
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('dialog')).toBeHidden();
    // Back in the app, without reloading it: the session was asked again after the save.
    await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
    await expect(card.getByRole('button', { name: 'Start Prusa MK4' })).toBeEnabled();
    await expect(page.getByTestId('no-card-note')).toHaveCount(0);
  } finally {
    await api.call('PATCH', `/api/v1/members/${me}`, { card: state.seeded.cards.admin });
  }
});

test('remote start and stop show what the board confirmed', async ({ adminPage: page, state, board, api }) => {
  const id = state.seeded.machines.printer; // every member may use it
  const b = await board(id);
  b.alive();
  await page.clock.install(); // time runs as usual until the jump below
  await open(page, state, '#/');
  const card = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
  await expect(card).toHaveAttribute('data-state', 'free');
  await card.getByRole('button', { name: 'Start Prusa MK4' }).click();
  await expect(page.getByRole('dialog', { name: 'Start Prusa MK4?' })).toBeVisible();
  await page.getByTestId('confirm').click();
  await expect(card.getByTestId('remote-status')).toHaveText('Started: the board confirmed.', { timeout: 15000 });
  await expect(card).toHaveAttribute('data-state', 'in_use');
  expect(b.requests.map((r) => JSON.parse(r).request_type)).toEqual(['start']);
  expect(JSON.parse(b.requests[0]!).uid).toBe(state.seeded.cards.admin);
  await card.getByRole('button', { name: 'Stop Prusa MK4' }).click();
  await page.getByTestId('confirm').click();
  await expect(card.getByTestId('remote-status')).toHaveText('Stopped: the board confirmed.', { timeout: 15000 });
  await expect(card).toHaveAttribute('data-state', 'free');
  // A minute and a half later the outcome is gone from the card (it would otherwise still say
  // "Stopped" while other members use the machine).
  await page.clock.fastForward('01:30');
  await expect(card.getByTestId('remote-status')).toHaveText('');
  // The audit log has both requests.
  const audit = await api.ok('GET', `/api/v1/audit?entity=machine&entity_id=${id}`);
  expect(audit.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['start', 'stop']));
});

test('remote start to a board that does not answer says so, and a second request meanwhile is refused in plain words', async ({ adminPage: page, state, board, consoleErrors }) => {
  test.setTimeout(60_000);
  const id = state.seeded.machines.idle;
  const b = await board(id);
  b.answerRequests = false;
  b.alive();
  await open(page, state, '#/');
  const card = page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
  await expect(card).toHaveAttribute('data-state', 'free');
  await card.getByRole('button', { name: 'Start Sewing machine' }).click();
  await page.getByTestId('confirm').click();
  await expect(card.getByTestId('remote-status')).toHaveText('Waiting for the board to confirm…');
  // Another tab of the same admin, in Italian, asks too: the server refuses (409, reason
  // "pending") and the page says why in its language.
  const other = await page.context().newPage();
  other.on('console', (m) => m.type() === 'error' && !/status of 409/.test(m.text()) && consoleErrors.push(`other tab: ${m.text()}`));
  await other.addInitScript(() => localStorage.setItem('fabomatic.lang', 'it'));
  await open(other, state, '#/');
  const otherCard = other.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);
  await otherCard.getByRole('button', { name: 'Avvia Sewing machine' }).click();
  await other.getByTestId('confirm').click();
  await expect(other.getByText('Una richiesta a questa macchina è già in attesa di risposta.')).toBeVisible();
  await other.close();
  await expect(card.getByTestId('remote-status')).toHaveText('The board did not answer.', { timeout: 25000 });
  await expect(card).toHaveAttribute('data-state', 'free');
  expect(b.requests).toHaveLength(1);
});

test('silence on the live link (no heartbeat) counts as lost, then it reconnects', async ({ adminPage: page, state }) => {
  test.setTimeout(90_000);
  let connections = 0;
  await page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
    connections++;
    const server = ws.connectToServer();
    if (connections > 1) return; // later connections pass as they are
    // The first one delivers the snapshot, then drops everything: a half-dead link.
    let delivered = 0;
    server.onMessage((m) => {
      if (delivered++ === 0) ws.send(m);
    });
  });
  await open(page, state, '#/');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open');
  const openedAt = Date.now();
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'lost', { timeout: 60_000 });
  // Not before the heartbeat timeout (40 s: more than two missed 15 s heartbeats).
  expect(Date.now() - openedAt).toBeGreaterThan(35_000);
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open', { timeout: 10_000 });
  expect(connections).toBeGreaterThanOrEqual(2);
});

test('a session that ends with the dashboard open goes to sign-in without reconnecting the live link', async ({ page, state, api, consoleErrors }) => {
  // Any console error fails the test: a reconnection the server refuses (401) logs one.
  void consoleErrors;
  test.setTimeout(60_000);
  const email = `${unique('live expiry').replace(/\W+/g, '.')}@fablab.org`.toLowerCase();
  const member = await api.ok('POST', '/api/v1/members', { name: 'Live', surname: 'Expiry', role_id: state.seeded.roles.admins, email, card: uniqueCard(), password: 'live-expiry-1' });
  await signInContext(page, state, email, 'live-expiry-1');
  let connections = 0;
  page.on('websocket', (ws) => ws.url().endsWith('/api/v1/live') && connections++);
  await open(page, state, '#/');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'open');
  // Another admin sets the password: the member's sessions end, and the server closes the live
  // link at its next heartbeat (every 15 s). The page asks, and goes to sign-in.
  await api.ok('PATCH', `/api/v1/members/${member.id}`, { password: 'live-expiry-2' });
  await expect(page.getByText('Your session has ended. Sign in again to continue where you were.')).toBeVisible({ timeout: 30_000 });
  await expect(page).toHaveURL(/#\/signin\?next=/);
  expect(connections).toBe(1);
});
