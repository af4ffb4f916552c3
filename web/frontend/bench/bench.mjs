#!/usr/bin/env node
// Speed figures of the portal against the real appliance ($FABOMATIC_BIN), printed (not
// asserted):
//   1. compressed bytes of script and style on the dashboard's first load (gzip -9, as the
//      appliance embeds them),
//   2. time to interactive of the dashboard with 200 machines (navigation start → 200 cards on
//      screen and the live link open),
//   3. first page of the usage history with 100 000 uses (seeded with sqlite3 into the database
//      while the appliance is stopped): from the click in the menu to 50 rows on screen, and a
//      fresh load of #/uses,
//   4. live event → card on screen, p50/p99 over 200 events (MQTT publish of startuse/stopuse
//      by a simulated board → the card's state attribute changed, same machine clock).
// Usage: FABOMATIC_BIN=path/to/fabomatic node bench/bench.mjs [--runs 5] [--dist dir]
// With FABOMATIC_SERVES_UI=1 the browser loads the app the binary embeds, straight from the
// appliance (the real deployment); otherwise a build of this tree through dev-server.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { ADMIN_EMAIL, fetchOpenApi, request, setUpAdmin, startAppliance } from '../scripts/appliance.mjs';
import { startDevServer } from '../dev-server.mjs';
import { build } from '../build.mjs';
import { MqttBoard } from './mqtt-board.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const DIST = args.includes('--dist') ? path.resolve(args[args.indexOf('--dist') + 1]) : null;
const SERVES_UI = Boolean(process.env.FABOMATIC_SERVES_UI);
const MACHINES = 200;
const USES = 100_000;
const EVENTS = 200;
const PASSWORD = 'bench-admin-2026';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

class Api {
  constructor(base) {
    this.base = base;
  }
  async login(password) {
    const a = await request(this.base, 'POST', '/api/v1/auth/login', { body: { email: ADMIN_EMAIL, password } });
    if (a.status !== 200) throw new Error(`login: ${a.status} ${a.text}`);
    this.cookie = [a.headers['set-cookie']].flat()[0].split(';')[0];
    this.csrf = a.json.csrf_token;
  }
  async ok(method, p, body) {
    const a = await request(this.base, method, p, { body, headers: { Cookie: this.cookie, 'X-CSRF-Token': this.csrf } });
    if (a.status < 200 || a.status > 299) throw new Error(`${method} ${p}: ${a.status} ${a.text}`);
    return a.json;
  }
}

async function main() {
  const bin = process.env.FABOMATIC_BIN;
  if (!bin) throw new Error('set FABOMATIC_BIN');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabomatic-portal-bench-'));
  const appliance = await startAppliance({ bin, dir: path.join(dir, 'appliance'), logLevel: 'warning' });
  let dist = DIST;
  if (!dist && !SERVES_UI) {
    const openapi = path.join(dir, 'openapi.json');
    fs.writeFileSync(openapi, await fetchOpenApi(appliance.baseUrl));
    dist = await build({ out: path.join(dir, 'build'), openapi, types: false, bundle: true });
  }
  const cert = path.join(appliance.dir, 'cert.pem');
  const key = path.join(appliance.dir, 'key.pem');
  // What the browser talks to: the appliance itself, or the dev server in front of it.
  const front = async () => (SERVES_UI ? { url: appliance.baseUrl, close: async () => {} } : startDevServer({ target: appliance.baseUrl, dist, cert, key }));
  let server = await front();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const api = new Api(appliance.baseUrl);
    await setUpAdmin(appliance, PASSWORD);
    await api.login(PASSWORD);
    // A first start seeds no card (issue 16): the simulated board taps the admin's own.
    const admin = (await api.ok('GET', '/api/v1/members?q=admin')).items[0];
    if (!admin.card) {
      admin.card = 'BE4C0001';
      await api.ok('PATCH', `/api/v1/members/${admin.id}`, { card: admin.card });
    }
    process.stdout.write(`seeding ${MACHINES} machines over the API… `);
    const existing = (await api.ok('GET', '/api/v1/machines?limit=500')).total;
    for (let i = existing + 1; i <= MACHINES; i++) await api.ok('POST', '/api/v1/machines', { name: `Machine ${String(i).padStart(3, '0')}` });
    const machines = (await api.ok('GET', '/api/v1/machines?limit=500')).items;
    console.log(`${machines.length} machines`);

    const context = async () => {
      const s = new Api(appliance.baseUrl);
      await s.login(PASSWORD);
      const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
      const [name, value] = s.cookie.split('=');
      await ctx.addCookies([{ name, value, url: server.url, httpOnly: true, secure: true, sameSite: 'Strict' }]);
      return ctx;
    };

    // 1 and 2: first load of the dashboard.
    const ttis = [];
    const steps = [];
    let bytes = null;
    for (let run = 0; run < RUNS; run++) {
      const ctx = await context();
      const page = await ctx.newPage();
      const assets = [];
      page.on('response', async (r) => {
        const type = r.headers()['content-type'] ?? '';
        if (/javascript|text\/css/.test(type)) assets.push({ url: r.url(), body: await r.body().catch(() => Buffer.alloc(0)) });
      });
      await page.addInitScript((n) => {
        const check = () => {
          const live = document.querySelector('[data-testid="live-state"]')?.getAttribute('data-state');
          if (!window.__tti && document.querySelectorAll('[data-testid="machine-card"]').length >= n && live === 'open') window.__tti = performance.now();
        };
        new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
      }, machines.length);
      await page.goto(`${server.url}/#/`);
      await page.waitForFunction(() => window.__tti, null, { timeout: 30000 });
      ttis.push(await page.evaluate(() => window.__tti));
      steps.push(
        await page.evaluate(() => {
          const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
          const res = (part) => performance.getEntriesByType('resource').find((e) => e.name.includes(part))?.responseEnd ?? NaN;
          return { script: res('/app-'), session: res('/api/v1/auth/session'), live: at('fabomatic:live-open'), snapshot: at('fabomatic:snapshot') };
        }),
      );
      if (!bytes) {
        await page.waitForTimeout(200);
        const raw = assets.reduce((a, x) => a + x.body.length, 0);
        const gz = assets.reduce((a, x) => a + zlib.gzipSync(x.body, { level: 9 }).length, 0);
        bytes = { files: assets.map((a) => path.basename(new URL(a.url).pathname)), raw, gz };
      }
      await ctx.close();
    }

    // 4: live events → card.
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${server.url}/#/`);
    await page.waitForFunction(() => document.querySelector('[data-testid="live-state"]')?.getAttribute('data-state') === 'open');
    const target = machines[0].id;
    // The link opens a moment before its snapshot's cards are on screen.
    await page.waitForSelector(`[data-testid="machine-card"][data-machine-id="${target}"]`);
    await page.evaluate((id) => {
      window.__changes = [];
      const card = document.querySelector(`[data-testid="machine-card"][data-machine-id="${id}"]`);
      new MutationObserver(() => window.__changes.push({ t: performance.timeOrigin + performance.now(), state: card.getAttribute('data-state') })).observe(card, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    }, target);
    const board = new MqttBoard(appliance.mqttPort, target);
    await board.connect();
    await board.alive();
    await page.waitForFunction(() => window.__changes.length >= 1); // offline → free
    const latencies = [];
    for (let i = 0; i < EVENTS; i++) {
      const before = await page.evaluate(() => window.__changes.length);
      const action = i % 2 === 0 ? { action: 'startuse', uid: admin.card } : { action: 'stopuse', uid: admin.card, duration: 1 };
      const t0 = performance.timeOrigin + performance.now();
      await board.query(action);
      await page.waitForFunction((n) => window.__changes.length > n, before, { timeout: 5000, polling: 'raf' });
      const t1 = await page.evaluate(() => window.__changes[window.__changes.length - 1].t);
      latencies.push(t1 - t0);
    }
    board.close();
    await ctx.close();

    // 3: the usage history with 100 000 uses, written with sqlite3 while the appliance is down.
    await server.close();
    await appliance.stop();
    const t = Date.now() / 1000;
    const sql = `
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${USES}),
      m AS (SELECT machine_id, row_number() OVER (ORDER BY machine_id) - 1 AS k FROM machines)
      INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp, replay)
      SELECT ${admin.id}, m.machine_id, ${t} - i * 600, ${t} - i * 600 + 1800, ${t} - i * 600 + 1800, 0
      FROM n JOIN m ON m.k = i % (SELECT count(*) FROM machines);`;
    execFileSync('sqlite3', [appliance.dbPath, sql]);
    const count = execFileSync('sqlite3', [appliance.dbPath, 'SELECT count(*) FROM uses']).toString().trim();
    await appliance.start();
    server = await front();
    const clicks = [];
    const loads = [];
    for (let run = 0; run < RUNS; run++) {
      const c = await context();
      const p = await c.newPage();
      await p.goto(`${server.url}/#/audit`);
      await p.waitForSelector('[data-testid="audit-table"] tbody tr');
      await p.evaluate(() => {
        window.__rows = null;
        new MutationObserver(() => {
          if (!window.__rows && document.querySelectorAll('[data-testid="uses-table"] tbody tr').length >= 50) window.__rows = performance.now();
        }).observe(document.body, { subtree: true, childList: true });
        document.querySelector('a[href="#/uses"]').addEventListener('click', () => (window.__click = performance.now()), { capture: true });
      });
      await p.click('a[href="#/uses"]');
      await p.waitForFunction(() => window.__rows, null, { timeout: 30000 });
      clicks.push(await p.evaluate(() => window.__rows - window.__click));
      // A fresh load straight into the history.
      await p.addInitScript(() => {
        new MutationObserver(() => {
          if (!window.__load && document.querySelectorAll('[data-testid="uses-table"] tbody tr').length >= 50) window.__load = performance.now();
        }).observe(document, { subtree: true, childList: true });
      });
      await p.goto(`${server.url}/#/uses?x=${run}`);
      await p.reload();
      await p.waitForFunction(() => window.__load, null, { timeout: 30000 });
      loads.push(await p.evaluate(() => window.__load));
      await c.close();
    }

    console.log('');
    console.log(`portal benchmark (${RUNS} runs each; ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, Chromium ${browser.version()})`);
    console.log(
      SERVES_UI
        ? `   (the app embedded in ${path.basename(bin)}, served by the appliance itself)`
        : `   (served by dev-server.mjs in front of the appliance: one more TLS hop than the appliance serving the portal itself)`,
    );
    console.log(`1. dashboard first load: ${bytes.files.join(', ')}`);
    console.log(`   ${bytes.raw} B raw, ${bytes.gz} B gzip -9 = ${(bytes.gz / 1024).toFixed(1)} KiB compressed (budget 100 KB)`);
    console.log(`2. dashboard with ${machines.length} machines, navigation start → all cards + live link open:`);
    console.log(`   median ${fmt(median(ttis))}, min ${fmt(Math.min(...ttis))}, max ${fmt(Math.max(...ttis))} (budget 1000 ms)`);
    const step = (k) => fmt(median(steps.map((x) => x[k])));
    console.log(`   (medians: script loaded ${step('script')}, session answered ${step('session')}, live link open ${step('live')}, snapshot in ${step('snapshot')})`);
    console.log(`3. usage history with ${count} uses, first page (50 rows) on screen:`);
    console.log(`   from the menu click: median ${fmt(median(clicks))}, max ${fmt(Math.max(...clicks))} (budget 300 ms)`);
    console.log(`   fresh load of #/uses (navigation start): median ${fmt(median(loads))}, max ${fmt(Math.max(...loads))}`);
    console.log(`4. live event → card, ${latencies.length} events: p50 ${fmt(pct(latencies, 50))}, p99 ${fmt(pct(latencies, 99))}, max ${fmt(Math.max(...latencies))} (budget p99 100 ms)`);
  } finally {
    await browser.close();
    await server.close();
    await appliance.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
