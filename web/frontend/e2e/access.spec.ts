// Every page: axe finds no serious or critical violation (light and dark), a 390-pixel-wide
// phone shows it without sideways scrolling (screenshots kept in test-results/phone/), and the
// keyboard reaches everything with a visible focus.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, open, test } from './fixtures';
import { pageRoutes, PUBLIC_ROUTES } from './routes';

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} colours`, () => {
    test.use({ colorScheme: scheme });

    test('axe: no serious or critical violation on any signed-in page', async ({ adminPage: page, state, board }) => {
      // Every page and a dialog, each analysed by axe: up to 10 s apiece on a busy 2-core machine.
      test.setTimeout(300_000);
      const b = await board(state.seeded.machines.laser);
      b.alive(); // one online card with its buttons
      for (const route of pageRoutes(state)) {
        await open(page, state, route.hash);
        await page.waitForLoadState('networkidle');
        expect(await seriousViolations(page), route.name).toEqual([]);
      }
      // A dialog too.
      await open(page, state, '#/members');
      await page.getByRole('button', { name: 'Add member' }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      expect(await seriousViolations(page), 'member form').toEqual([]);
    });

    test('axe: no serious or critical violation on the sign-in pages', async ({ page, state, consoleErrors }) => {
      void consoleErrors;
      for (const route of PUBLIC_ROUTES) {
        await page.goto(`${state.baseURL}/${route.hash}`);
        await expect(page.locator('h1')).toBeVisible();
        expect(await seriousViolations(page), route.name).toEqual([]);
      }
    });
  });
}

test.describe('on a 390-pixel-wide phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, hasTouch: true });

  test('every page fits the width; screenshots of each', async ({ adminPage: page, state, board }, info) => {
    const b = await board(state.seeded.machines.laser);
    b.alive();
    for (const route of pageRoutes(state)) {
      await open(page, state, route.hash);
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: info.outputPath(`phone/${route.name}.png`), fullPage: true });
      expect(await horizontalOverflow(page), `${route.name} scrolls sideways`).toBeLessThanOrEqual(0);
    }
    // The menu opens and closes, and a form dialog fits too.
    await open(page, state, '#/members');
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect(page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Machines' })).toBeVisible();
    await page.screenshot({ path: info.outputPath('phone/menu.png') });
    // Escape closes it, as it closes a dialog; the logo link has a name though its text is hidden.
    await page.keyboard.press('Escape');
    await expect(page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Machines' })).toBeHidden();
    await expect(page.getByRole('link', { name: 'Fab-O-Matic · Dashboard' })).toBeVisible();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Machines' }).click();
    await expect(page.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Machines' })).toBeHidden();
    await page.getByRole('button', { name: 'Add machine' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await page.screenshot({ path: info.outputPath('phone/machine-form.png') });
    expect(await horizontalOverflow(page), 'machine form').toBeLessThanOrEqual(0);
  });

  test('sign-in pages fit the width', async ({ page, state, consoleErrors }, info) => {
    void consoleErrors;
    for (const route of PUBLIC_ROUTES) {
      await page.goto(`${state.baseURL}/${route.hash}`);
      await expect(page.locator('h1')).toBeVisible();
      await page.screenshot({ path: info.outputPath(`phone/${route.name}.png`), fullPage: true });
      expect(await horizontalOverflow(page), route.name).toBeLessThanOrEqual(0);
    }
  });
});

test('keyboard: skip link, a dialog opened and closed by keys, focus always visible', async ({ adminPage: page, state }) => {
  await open(page, state, '#/roles');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  // Tab to "Add role" and open it with Enter.
  for (let i = 0; i < 10 && !(await page.getByRole('button', { name: 'Add role' }).evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth}`;
    });
    expect(outline, 'focus must be visible').not.toMatch(/^none|\s0px$/);
  }
  await expect(page.getByRole('button', { name: 'Add role' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add role' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Add role' })).toBeFocused();
});
