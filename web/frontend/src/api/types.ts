// Names for the schemas of the generated API types, and the shapes the OpenAPI document does
// not describe (sign-in routes, audit log, WebSocket messages; see SERVER-NEEDS.md).
import type { components } from 'api-schema';

type S = components['schemas'];
export type Member = S['Member'];
export type MemberCreate = S['MemberCreate'];
export type MemberPatch = S['MemberPatch'];
export type UnknownCard = S['UnknownCard'];
export type Role = S['Role'];
export type RoleCreate = S['RoleCreate'];
export type MachineType = S['MachineType'];
export type MachineTypeCreate = S['MachineTypeCreate'];
export type Machine = S['Machine'];
export type MachineCreate = S['MachineCreate'];
export type MachineCascade = S['MachineCascade'];
export type Board = S['Board'];
export type DiscoveredBoard = S['DiscoveredBoard'];
export type Authorization = S['Authorization'];
export type Plan = S['Plan'];
export type PlanCreate = S['PlanCreate'];
export type Intervention = S['Intervention'];
export type Use = S['Use'];
export type MachineStatus = S['MachineStatus'];
export type MachineState = MachineStatus['state'];

// ---- not in the OpenAPI document ---------------------------------------------------------

export interface SessionUser {
  id: number;
  email: string;
  name: string;
}

/** POST /api/v1/auth/login and GET /api/v1/auth/session. */
export interface SessionAnswer {
  user: SessionUser;
  csrf_token: string;
  password_change_required: boolean;
}

/** GET /api/v1/audit items. */
export interface AuditEntry {
  id: number;
  time: number;
  user_id: number | null;
  user_email: string;
  address: string;
  action: string;
  entity: string;
  entity_id: number | null;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  items: AuditEntry[];
  total: number;
  limit: number;
  offset: number;
}

export interface AuditQuery {
  entity?: string;
  action?: string;
  entity_id?: number;
  user_id?: number;
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}

/** Messages of the WebSocket /api/v1/live. */
export type LiveMessage =
  | { type: 'snapshot'; time: number; machines: MachineStatus[] }
  | { type: 'machine'; machine: MachineStatus }
  | { type: 'machine_removed'; machine_id: number }
  | { type: 'unknown_card'; machine_id: number; card: string; time: number }
  | { type: 'board_discovered'; machine_id: number; time: number }
  | { type: 'heartbeat'; time: number }
  | { type: 'remote'; machine_id: number; ok: boolean; message: string };
