// What the global setup made, shared with the tests through a JSON file ($E2E_STATE).
import fs from 'node:fs';

export interface Seeded {
  roles: { staff: number; users: number; admins: number };
  types: { laser: number; printer: number };
  machines: { laser: number; printer: number; mill: number; idle: number };
  members: { mario: number; lucia: number; bulk: number[] };
  cards: { mario: string; lucia: string; admin: string };
  plans: { laserLens: number };
}

export interface E2EState {
  dir: string;
  baseURL: string;
  applianceURL: string;
  mqttPort: number;
  dbPath: string;
  logPath: string;
  mailDir: string;
  adminEmail: string;
  adminPassword: string;
  seeded: Seeded;
}

export function readState(): E2EState {
  const file = process.env.E2E_STATE;
  if (!file) throw new Error('E2E_STATE is not set: run the tests through playwright.config.ts');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as E2EState;
}
