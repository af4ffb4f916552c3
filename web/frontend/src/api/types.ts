// Names for the schemas of the generated API types (every shape comes from the document).
import type { components } from 'api-schema';

type S = components['schemas'];
export type Member = S['Member'];
export type MemberCreate = S['MemberCreate'];
export type MemberPatch = S['MemberPatch'];
export type MemberCascade = S['MemberCascade'];
export type UnknownCard = S['UnknownCard'];
export type Role = S['Role'];
export type RoleCreate = S['RoleCreate'];
export type MachineType = S['MachineType'];
export type MachineTypeCreate = S['MachineTypeCreate'];
export type Machine = S['Machine'];
export type MachineName = S['MachineName'];
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
/** A signed-in session (sign-in's answer, and the session route's while signed in). */
export type Session = S['Session'];
export type AuditEntry = S['AuditEntry'];
/** Messages of the WebSocket /api/v1/live. */
export type LiveMessage = S['LiveMessage'];
/** What a remote start/stop came to. */
export type RemoteCode = S['LiveRemoteMessage']['code'];
