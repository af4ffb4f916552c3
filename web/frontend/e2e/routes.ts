// Every page of the portal, for the checks that visit them all.
import type { E2EState } from './helpers/state';

export interface PageRoute {
  name: string;
  hash: string;
}

export function pageRoutes(state: E2EState): PageRoute[] {
  return [
    { name: 'dashboard', hash: '#/' },
    { name: 'members', hash: '#/members' },
    { name: 'unknown-cards', hash: '#/unknown-cards' },
    { name: 'machines', hash: '#/machines' },
    { name: 'machine', hash: `#/machines/${state.seeded.machines.laser}` },
    { name: 'machine-types', hash: '#/machine-types' },
    { name: 'roles', hash: '#/roles' },
    { name: 'authorizations', hash: '#/authorizations' },
    { name: 'maintenance', hash: '#/maintenance' },
    { name: 'interventions', hash: '#/interventions' },
    { name: 'uses', hash: '#/uses' },
    { name: 'audit', hash: '#/audit' },
    { name: 'system', hash: '#/system' },
    { name: 'settings', hash: '#/settings' },
    { name: 'member', hash: `#/members/${state.seeded.members.mario}` },
    { name: 'password', hash: '#/password' },
  ];
}

export const PUBLIC_ROUTES: PageRoute[] = [
  { name: 'signin', hash: '#/signin' },
  { name: 'forgot', hash: '#/forgot' },
  { name: 'reset', hash: '#/reset?token=abc' },
  { name: 'setup', hash: '#/setup' },
];
