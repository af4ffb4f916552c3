// Starts the real appliance ($FABOMATIC_BIN) in a fresh directory on free ports, a mail catcher
// for its reset mails, builds the portal against the appliance's own OpenAPI document and serves
// it through the dev server in front of the appliance (unless FABOMATIC_SERVES_UI is set: then
// the appliance serves its embedded portal). Sets the admin's password with the first start's
// setup code, signs in and seeds data through the REST API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
// @ts-expect-error: plain ES modules of the project
import { startAppliance, fetchOpenApi, setUpAdmin, ADMIN_EMAIL } from '../scripts/appliance.mjs';
// @ts-expect-error: plain ES modules of the project
import { startDevServer } from '../dev-server.mjs';
// @ts-expect-error: plain ES modules of the project
import { build } from '../build.mjs';
import { ApiSession } from './helpers/api';
import { startSmtp } from './helpers/smtp';
import type { E2EState, Seeded } from './helpers/state';

export const ADMIN_PASSWORD = 'portal-admin-2026';

async function seed(api: ApiSession): Promise<Seeded> {
  const roles = (await api.ok('GET', '/api/v1/roles?limit=100')).items as { id: number; name: string }[];
  const roleId = (name: string) => roles.find((r) => r.name === name)!.id;
  const laserType = await api.ok('POST', '/api/v1/machine-types', { name: 'Laser', timeout_min: 120, grace_period_min: 5, access_management: 0 });
  const printerType = await api.ok('POST', '/api/v1/machine-types', { name: '3D printer', timeout_min: 0, grace_period_min: 0, access_management: 1 });
  const machine = (body: object) => api.ok('POST', '/api/v1/machines', body);
  const laser = await machine({ name: 'Laser cutter', type_id: laserType.id, hours: 12.5 });
  const printer = await machine({ name: 'Prusa MK4', type_id: printerType.id, hours: 3 });
  const mill = await machine({ name: 'CNC mill', type_id: null });
  const idle = await machine({ name: 'Sewing machine', type_id: null });
  const member = (body: object) => api.ok('POST', '/api/v1/members', body);
  const mario = await member({ name: 'Mario', surname: 'Rossi', role_id: roleId('Fab Users'), card: 'aabbccd1', email: 'mario@fablab.org', receive_weekly_summary: true });
  const lucia = await member({ name: 'Lucia', surname: 'Bianchi', role_id: roleId('Fab Staff'), card: 'aabbccd2', email: 'lucia@fablab.org' });
  const bulk: number[] = [];
  for (let i = 1; i <= 60; i++) {
    const n = String(i).padStart(3, '0');
    bulk.push((await member({ name: 'Bulk', surname: `Member ${n}`, role_id: roleId('Fab Users'), card: `b0000${n}` })).id);
  }
  const plan = await api.ok('POST', '/api/v1/maintenance-plans', { machine_id: laser.id, description: 'Clean the lens', hours_between: 10, lcd_message: 'CLEAN LENS' });
  await api.ok('POST', '/api/v1/authorizations', { member_id: mario.id, machine_id: laser.id });
  // Closed uses at known days (noon UTC, so any time zone keeps the day).
  const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`) / 1000;
  await api.ok('POST', '/api/v1/uses', { member_id: mario.id, machine_id: laser.id, start: day('2026-01-10'), end: day('2026-01-10') + 3600 });
  await api.ok('POST', '/api/v1/uses', { member_id: mario.id, machine_id: laser.id, start: day('2026-02-15'), end: day('2026-02-15') + 1800 });
  await api.ok('POST', '/api/v1/uses', { member_id: lucia.id, machine_id: printer.id, start: day('2026-03-20'), end: day('2026-03-20') + 5400 });
  await api.ok('POST', '/api/v1/interventions', { plan_id: plan.id, member_id: lucia.id, timestamp: day('2026-01-05') });
  const admin = (await api.ok('GET', '/api/v1/members?q=admin%40fablab.org')).items[0];
  let adminCard = admin.card as string | null;
  if (!adminCard) {
    adminCard = 'ad000001';
    await api.ok('PATCH', `/api/v1/members/${admin.id}`, { card: adminCard });
  }
  return {
    roles: { staff: roleId('Fab Staff'), users: roleId('Fab Users'), admins: roleId('admins') },
    types: { laser: laserType.id, printer: printerType.id },
    machines: { laser: laser.id, printer: printer.id, mill: mill.id, idle: idle.id },
    members: { mario: mario.id, lucia: lucia.id, bulk },
    cards: { mario: 'aabbccd1', lucia: 'aabbccd2', admin: adminCard },
    plans: { laserLens: plan.id },
  };
}

export default async function globalSetup(_config: FullConfig) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabomatic-portal-e2e-'));
  const mailDir = path.join(dir, 'mails');
  const smtp = await startSmtp(mailDir);
  const appliance = await startAppliance({ dir: path.join(dir, 'appliance'), smtpPort: smtp.port, bin: process.env.FABOMATIC_BIN });
  fs.mkdirSync(appliance.dir, { recursive: true });

  let dist = process.env.FABOMATIC_UI_DIST;
  if (!dist && !process.env.FABOMATIC_SERVES_UI) {
    const out = path.join(dir, 'build');
    const openapi = path.join(dir, 'openapi.json');
    fs.writeFileSync(openapi, await fetchOpenApi(appliance.baseUrl));
    dist = await build({ out, openapi, types: true, bundle: true });
  }
  let devServer: { url: string; close: () => Promise<void> } | null = null;
  let baseURL = appliance.baseUrl;
  if (!process.env.FABOMATIC_SERVES_UI) {
    devServer = await startDevServer({
      target: appliance.baseUrl,
      dist,
      cert: path.join(appliance.dir, 'cert.pem'),
      key: path.join(appliance.dir, 'key.pem'),
    });
    baseURL = devServer!.url;
  }

  // A new installation has no known password: the setup code of the log sets the admin's.
  await setUpAdmin(appliance, ADMIN_PASSWORD);
  const api = new ApiSession(appliance.baseUrl);
  const first = await api.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  if (first.status !== 200) throw new Error(`the admin cannot sign in: ${first.status} ${first.text}`);
  const seeded = await seed(api);

  const state: E2EState = {
    dir,
    baseURL,
    applianceURL: appliance.baseUrl,
    mqttPort: appliance.mqttPort,
    dbPath: appliance.dbPath,
    logPath: appliance.logPath,
    mailDir,
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
    seeded,
  };
  const stateFile = path.join(dir, 'state.json');
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env.E2E_STATE = stateFile;

  return async () => {
    await devServer?.close();
    await appliance.stop();
    await smtp.close();
    if (!process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
}
