// Starts the fabomatic binary in a fresh directory on free ports and stops it again. Node's
// standard library only: the build (--openapi-from-bin), the dev server's helper, the Playwright
// setup and the benchmark all start the appliance this way.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ADMIN_EMAIL = 'admin@fablab.org';

/** A TCP port nobody listens on right now (the kernel's pick). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTPS request to the appliance (self-signed certificate: not verified). */
export function request(baseUrl, method, urlPath, { body, headers = {}, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(urlPath, baseUrl);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      url,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `bin` in a new temporary directory. `smtpPort`: where its mails go (plain SMTP on
 * 127.0.0.1), so that tests can read reset links. Resolves once the portal answers.
 */
export async function startAppliance({
  bin = process.env.FABOMATIC_BIN,
  dir,
  smtpPort,
  extraSettings = '',
  webPort,
  mqttPort,
  logLevel = 'info',
} = {}) {
  if (!bin) throw new Error('set FABOMATIC_BIN to the fabomatic binary');
  if (!fs.existsSync(bin)) throw new Error(`no fabomatic binary at ${bin}`);
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'fabomatic-ui-'));
  fs.mkdirSync(dir, { recursive: true });
  mqttPort ??= await freePort();
  webPort ??= await freePort();
  const dbPath = path.join(dir, 'db.sqldb');
  const logPath = path.join(dir, 'fabomatic.log');
  const settingsPath = path.join(dir, 'settings.toml');
  if (!fs.existsSync(settingsPath)) {
    fs.writeFileSync(
      settingsPath,
      [
        '[MQTT]',
        `port = ${mqttPort}`,
        'bind_address = "127.0.0.1"',
        'sys_interval_s = 0',
        'allow_anonymous = true', // the tests' boards connect without accounts
        '[database]',
        `url = "sqlite:///${dbPath}"`,
        '[web]',
        `port = ${webPort}`,
        'bind_address = "127.0.0.1"',
        `default_admin_email = "${ADMIN_EMAIL}"`,
        'secret_key = "portal-ui-tests"',
        `base_url = "https://127.0.0.1:${webPort}"`,
        '[email]',
        'server = "127.0.0.1"',
        `port = ${smtpPort ?? 9}`,
        'use_tls = false',
        'sender = "portal@fablab.org"',
        '[backend]',
        'stats_interval_s = 0',
        `log_level = "${logLevel}"`,
        extraSettings,
        '',
      ].join('\n'),
    );
  }
  const appliance = {
    dir,
    dbPath,
    logPath,
    settingsPath,
    webPort,
    mqttPort,
    baseUrl: `https://127.0.0.1:${webPort}`,
    proc: null,
    async start() {
      const log = fs.openSync(logPath, 'a');
      this.proc = spawn(bin, ['--config', settingsPath], {
        cwd: dir,
        stdio: ['ignore', log, log],
        detached: true,
      });
      fs.closeSync(log);
      const exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 30000;
      for (;;) {
        const code = await Promise.race([exited, sleep(100).then(() => undefined)]);
        if (code !== undefined) throw new Error(`fabomatic exited with ${code}:\n${this.logTail()}`);
        try {
          const answer = await request(this.baseUrl, 'GET', '/api/v1/openapi.json', { timeoutMs: 2000 });
          if (answer.status === 200) return this;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(`fabomatic did not come up:\n${this.logTail()}`);
        }
      }
    },
    /** SIGTERM (a clean stop), SIGKILL after 15 s. */
    async stop() {
      const proc = this.proc;
      this.proc = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const done = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await done;
      clearTimeout(timer);
    },
    logText() {
      try {
        return fs.readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    logTail(lines = 30) {
      return this.logText().split('\n').slice(-lines).join('\n');
    },
  };
  await appliance.start();
  return appliance;
}

/**
 * The first start of a new installation: no account has a password, and the log holds a
 * one-time setup code. Sets the seeded admin's (ADMIN_EMAIL) password with it, the way a person
 * would in the portal's first-start form.
 */
export async function setUpAdmin(appliance, password) {
  const codes = [...appliance.logText().matchAll(/setup code ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/g)];
  if (codes.length === 0) throw new Error(`no setup code in the log:\n${appliance.logTail()}`);
  const code = codes[codes.length - 1][1];
  const answer = await request(appliance.baseUrl, 'POST', '/api/v1/auth/setup', { body: { code, password } });
  if (answer.status !== 200) throw new Error(`POST /api/v1/auth/setup: ${answer.status} ${answer.text}`);
  return answer;
}

/** The OpenAPI document of a running appliance. */
export async function fetchOpenApi(baseUrl) {
  const answer = await request(baseUrl, 'GET', '/api/v1/openapi.json');
  if (answer.status !== 200) throw new Error(`GET /api/v1/openapi.json: ${answer.status}`);
  return answer.text;
}
