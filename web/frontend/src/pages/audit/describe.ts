// An audit entry's before/after in words: the fields an update changed, and what a created or
// deleted row held, each field by its label and each value as the pages show it (dates, hours,
// yes/no). A field this app has no label for (a newer server's, a setting's key) shows as the
// server wrote it.
import type { AuditEntry } from '../../api/types';
import { t, type Key } from '../../i18n';
import { formatDateTime, formatDuration, formatHours, formatNumber } from '../../i18n/format';

const LABELS: Record<string, Key> = {
  id: 'audit.field.id',
  name: 'audit.field.name',
  surname: 'audit.field.surname',
  card: 'audit.field.card',
  email: 'audit.field.email',
  role_id: 'audit.field.role_id',
  role_name: 'audit.field.role_name',
  disabled: 'audit.field.disabled',
  deleted: 'audit.field.deleted',
  receive_weekly_summary: 'audit.field.receive_weekly_summary',
  password_change_required: 'audit.field.password_change_required',
  type_id: 'audit.field.type_id',
  type_name: 'audit.field.type_name',
  hours: 'audit.field.hours',
  blocked: 'audit.field.blocked',
  timeout_min: 'audit.field.timeout_min',
  grace_period_min: 'audit.field.grace_period_min',
  access_management: 'audit.field.access_management',
  authorize_all: 'audit.field.authorize_all',
  backend_admin: 'audit.field.backend_admin',
  machine_id: 'audit.field.machine_id',
  machine_name: 'audit.field.machine_name',
  member_id: 'audit.field.member_id',
  member_name: 'audit.field.member_name',
  start: 'audit.field.start',
  end: 'audit.field.end',
  duration_s: 'audit.field.duration_s',
  description: 'audit.field.description',
  hours_between: 'audit.field.hours_between',
  lcd_message: 'audit.field.lcd_message',
  instructions_url: 'audit.field.instructions_url',
  plan_id: 'audit.field.plan_id',
  plan_description: 'audit.field.plan_description',
  timestamp: 'audit.field.timestamp',
  ip_address: 'audit.field.ip_address',
  fw_version: 'audit.field.fw_version',
  serial: 'audit.field.serial',
  username: 'audit.field.username',
  last_seen: 'audit.field.last_seen',
  removed: 'audit.field.removed',
};

/** Unix-seconds fields, shown as local date and time. */
const TIMES = new Set(['start', 'end', 'last_seen', 'timestamp', 'first_seen', 'created', 'rotated', 'since']);
/** Fields in hours, and the one in seconds. */
const HOURS = new Set(['hours', 'hours_between', 'used_hours']);

export interface FieldLine {
  field: string;
  label: string;
  text: string;
}

export interface ChangeLine extends FieldLine {
  before: string;
}

function label(field: string): string {
  const key = LABELS[field];
  return key ? t(key) : field;
}

function counts(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([k, v]) => `${label(k)} ${typeof v === 'number' ? formatNumber(v) : JSON.stringify(v)}`)
    .join(', ');
}

/** One value as the pages show it. */
export function valueText(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (typeof value === 'number') {
    if (TIMES.has(field)) return formatDateTime(value);
    if (HOURS.has(field)) return formatHours(value);
    if (field === 'duration_s') return formatDuration(value);
    return String(value); // ids, minutes: as typed, without grouping
  }
  if (typeof value === 'string') return value;
  if (field === 'removed' && typeof value === 'object' && !Array.isArray(value)) return counts(value as Record<string, unknown>);
  return JSON.stringify(value);
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** What an update changed, field by field. */
export function changedFields(e: AuditEntry): ChangeLine[] {
  const before = record(e.before);
  const after = record(e.after);
  if (!before || !after) return [];
  const out: ChangeLine[] = [];
  for (const k of Object.keys(after)) {
    if (JSON.stringify(before[k]) === JSON.stringify(after[k])) continue;
    out.push({ field: k, label: label(k), before: valueText(k, before[k]), text: valueText(k, after[k]) });
  }
  return out;
}

/** What a created row held (after), or a deleted one (before): its fields with a value. Lists of
 *  derived data (a machine's plans with their state) are left out: the row's own fields are what
 *  would be typed again to undo a deletion. */
export function rowFields(e: AuditEntry): FieldLine[] {
  const row = e.before && e.after ? null : record(e.after ?? e.before);
  if (!row) return [];
  return Object.entries(row)
    .filter(([k, v]) => !Array.isArray(v) && (k === 'removed' || record(v) === null))
    .map(([k, v]) => ({ field: k, label: label(k), text: valueText(k, v) }));
}
