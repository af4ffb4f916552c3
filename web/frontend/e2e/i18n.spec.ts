// Languages: the browser's language decides first, the page's switch overrides and is
// remembered, <html lang> follows; no catalogue key ever reaches the screen in either language.
import fs from 'node:fs';
import path from 'node:path';
import { expect, open, test } from './fixtures';
import { en } from '../src/i18n/en';
import { it as itCatalogue } from '../src/i18n/it';
import { pageRoutes } from './routes';

test('both catalogues have exactly the same keys, none empty', () => {
  // tsc already refuses a missing key (it.ts is typed Record<Key, string>); this is the same
  // check at run time, and also catches an empty translation.
  expect(Object.keys(itCatalogue).sort()).toEqual(Object.keys(en).sort());
  for (const [k, v] of Object.entries(itCatalogue)) expect(v.trim(), k).not.toBe('');
  for (const [k, v] of Object.entries(en)) expect(v.trim(), k).not.toBe('');
});

test.describe('an Italian browser', () => {
  test.use({ locale: 'it-IT' });

  test('gets Italian first; the switch changes it, and the choice is remembered', async ({ page, state, consoleErrors }) => {
    void consoleErrors;
    await page.goto(`${state.baseURL}/`);
    await expect(page.getByRole('heading', { name: 'Accedi' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'it');
    await expect(page.getByLabel('Password')).toBeVisible();
    await page.getByTestId('lang-switch').selectOption('en');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.getByTestId('lang-switch').selectOption('it');
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Accedi' })).toBeVisible();
  });
});

const KEYS = Object.keys(en);
// A key is "word.word": look for any of them as a whole token in the visible text.
const KEY_RE = new RegExp(`(^|[^\\w.])(${KEYS.map((k) => k.replace(/\./g, '\\.')).join('|')})(?![\\w.])`);

for (const lang of ['en', 'it'] as const) {
  test(`no raw catalogue key is visible on any page (${lang})`, async ({ adminPage: page, state }) => {
    await page.addInitScript((l) => localStorage.setItem('fabomatic.lang', l), lang);
    for (const route of pageRoutes(state)) {
      await open(page, state, route.hash);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await page.waitForLoadState('networkidle');
      const text = await page.locator('body').innerText();
      expect(KEY_RE.exec(text)?.[2] ?? null, `${route.name}: raw key on screen`).toBeNull();
      const title = await page.title();
      expect(KEY_RE.exec(title)?.[2] ?? null, `${route.name}: raw key in the title`).toBeNull();
      // Longer Italian words must not push a table past its frame on a desktop screen.
      const wide = await page.evaluate(() => Array.from(document.querySelectorAll('.table-wrap')).filter((w) => w.scrollWidth > w.clientWidth + 1).length);
      expect(wide, `${route.name}: a table scrolls sideways at ${page.viewportSize()?.width} px`).toBe(0);
    }
    // The Italian dashboard really is in Italian (and the English one in English).
    await open(page, state, '#/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(lang === 'it' ? 'Cruscotto' : 'Dashboard');
  });
}

test.describe('operations in Italian', () => {
  test.use({ locale: 'it-IT', allowStatuses: [400] }); // the refused settings change

  test('the audit log names what the operations routes wrote; the settings have labels, the file’s keys beside them', async ({ adminPage: page, state, api }) => {
    // A member's data exported (GDPR access request): audited as export/member.
    const mario = state.seeded.members.mario;
    const exported = await api.call('GET', `/api/v1/members/${mario}/data?format=json`);
    expect(exported.status).toBe(200);
    await open(page, state, '#/audit');
    // The filters by their own label only (getByLabel would also match an option's text).
    const filter = (name: string) => page.locator('label.field').filter({ has: page.getByText(name, { exact: true }) }).locator('select');
    await filter('Cosa').selectOption({ label: 'Dati del socio' });
    await filter('Azione').selectOption({ label: 'Esportato' });
    const rows = page.getByTestId('audit-table').locator('tbody tr', { hasText: `Dati del socio #${mario}` });
    await expect(rows.first()).toContainText('Esportato');
    // Every operation can be picked in the filters by its Italian name.
    for (const label of ['Backup', 'Database', 'Servizio', 'Impostazioni', 'Riepilogo settimanale', 'Mail di prova', 'Account della scheda']) {
      await expect(filter('Cosa').locator('option', { hasText: label })).toHaveCount(1);
    }
    for (const label of ['Scaricato', 'Inviato', 'Prima configurazione', 'Ripristinato', 'Riavviato', 'Nuovo segreto']) {
      await expect(filter('Azione').locator('option', { hasText: label })).toHaveCount(1);
    }

    await open(page, state, '#/settings');
    const retention = page.getByLabel('Rendi anonimi gli utilizzi dopo (giorni)');
    await expect(retention).toHaveAttribute('name', 'backend.purge_retention_days');
    // The key as settings.toml spells it, to find it there.
    await expect(page.locator('label', { has: page.locator('.setting-key', { hasText: /^purge_retention_days$/ }) })).toBeVisible();
    await expect(page.getByLabel('Connessione cifrata (TLS)')).toHaveAttribute('name', 'email.use_tls');
    // Choices in Italian; the values sent stay the file's words.
    const day = page.getByLabel('Giorno della settimana');
    await expect(day.locator('option[value="monday"]')).toHaveText('lunedì');
    await expect(page.getByLabel('Livello del registro').locator('option[value="warning"]')).toHaveText('Avviso');
    // The weekly summary's preview starts in the page's language.
    await expect(page.getByTestId('summary-lang')).toHaveValue('it');
    await expect(page.getByTestId('summary-preview')).toContainText('Utilizzi per macchina');

    // A folder setting naming a file: said in Italian at its field, the file left alone.
    const settingsFile = path.join(path.dirname(state.dbPath), 'settings.toml');
    const before = fs.readFileSync(settingsFile, 'utf8');
    await page.locator('input[name="backend.backup_dir"]').fill(settingsFile);
    await page.getByTestId('save-settings').click();
    await expect(page.locator('[data-field-error="backend.backup_dir"]')).toHaveText(`${settingsFile} non è una cartella`);
    expect(fs.readFileSync(settingsFile, 'utf8')).toBe(before);
    // A relative folder, and a portal address mails could not link to: the same, with their codes.
    await page.locator('input[name="backend.backup_dir"]').fill('backups');
    await page.locator('input[name="web.base_url"]').fill('javascript:alert(1)');
    await page.getByTestId('save-settings').click();
    await expect(page.locator('[data-field-error="backend.backup_dir"]')).toHaveText(
      'Scrivi il percorso completo, da /: backups dipenderebbe dalla cartella da cui parte il servizio',
    );
    await expect(page.locator('[data-field-error="web.base_url"]')).toHaveText('Un indirizzo web inizia con http:// o https://.');
    expect(fs.readFileSync(settingsFile, 'utf8')).toBe(before);
  });
});
