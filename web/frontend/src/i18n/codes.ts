// The server's error codes in the user's language. The server writes an English sentence and a
// stable code for each field (FieldCode) and a reason for a refusal; the app translates the
// code and shows the server's sentence only for a code it does not know yet.
import type { FieldCode } from '../api/client';
import { formatNumber } from './format';
import { t, type Key } from './index';

const ENTITY: Record<string, Key> = {
  member: 'err.noMember',
  machine: 'err.noMachine',
  machine_type: 'err.noType',
  role: 'err.noRole',
  plan: 'err.noPlan',
};

const TAKEN: Record<string, Key> = {
  card: 'err.cardTaken',
  email: 'err.emailTaken',
  name: 'err.nameTaken',
  id: 'err.idTaken',
  member_id: 'err.pairExists',
  user_machine: 'err.pairExists',
};

const SELF: Record<string, Key> = {
  disabled: 'err.selfDisable',
  role_id: 'err.selfRole',
  id: 'err.selfDelete',
  backend_admin: 'err.selfAdmin',
};

const FORMAT: Record<string, Key> = { card: 'err.card', email: 'err.email', url: 'err.url' };

const UNUSABLE: Record<string, Key> = {
  no_file: 'err.unusable.noFile',
  not_a_folder: 'err.unusable.notAFolder',
  not_writable: 'err.unusable.notWritable',
  cannot_listen: 'err.unusable.cannotListen',
  tls_pair: 'err.unusable.tlsPair',
  relative_path: 'err.unusable.relativePath',
};

const TYPE: Record<string, Key> = {
  integer: 'err.integer',
  id: 'err.integer',
  number: 'err.number',
  time: 'err.dateTime',
};

function num(v: number | undefined): string {
  return v === undefined ? '' : formatNumber(v);
}

/** The text for `field`'s error `code`; `fallback` (the server's sentence) when unknown. */
export function fieldText(field: string, code: FieldCode | undefined, fallback: string): string {
  const key = fieldKey(field, code);
  if (!key || !code) return fallback;
  switch (code.code) {
    case 'too_long':
      return t(key, { a: num(code.max) });
    case 'too_short':
      return t(key, { a: num(code.min) });
    case 'range':
      return t(key, { a: num(code.min), b: num(code.max) });
    case 'open_use':
      return t(key, { a: num(code.use_id) });
    case 'in_use':
      return t(key, { a: num(code.count) });
    case 'unusable':
      // The path or address as the server saw it; the system's reason stays in English.
      return t(key, { a: code.subject ?? '', b: code.detail ?? '' });
    default:
      return t(key);
  }
}

function fieldKey(field: string, code: FieldCode | undefined): Key | undefined {
  switch (code?.code) {
    case 'required':
      return 'err.required';
    case 'type':
      return TYPE[code.expected ?? ''] ?? 'err.type';
    case 'too_long':
      return 'err.maxLength';
    case 'too_short':
      return 'err.minLength';
    case 'range':
      return 'err.range';
    case 'pattern':
      return FORMAT[code.format ?? ''];
    case 'choice':
    case 'unknown_field':
      return 'err.type';
    case 'unknown_reference':
      return ENTITY[code.entity ?? ''];
    case 'order':
      return code.after === 'start' ? 'err.endBeforeStart' : undefined;
    case 'taken':
      return TAKEN[field] ?? 'err.taken';
    case 'in_use':
      return code.entity === 'member' ? 'err.roleInUse' : code.entity === 'machine' ? 'err.typeInUse' : 'err.references';
    case 'reserved':
      return 'err.reserved';
    case 'self':
      return SELF[field];
    case 'deleted':
      return 'err.deletedMember';
    case 'open_use':
      return 'err.openUse';
    case 'future':
      return 'err.future';
    case 'control_characters':
      return code.single_line ? 'err.oneLine' : 'err.controlCharacters';
    case 'unusable':
      return UNUSABLE[code.problem ?? ''];
    case 'wrong_password':
      return 'err.wrongPassword';
    case 'same_password':
      return 'err.samePassword';
    default:
      return undefined;
  }
}

const REASONS: Record<string, Key> = {
  offline: 'remote.err.offline',
  no_card: 'remote.err.noCard',
  pending: 'remote.err.pending',
  unknown_machine: 'err.noMachine',
  card_too_long: 'remote.err.cardTooLong',
};

/** A refusal's reason (409 refused of remote start/stop) in the user's language. */
export function reasonText(reason: string | undefined, fallback: string): string {
  const key = reason ? REASONS[reason] : undefined;
  return key ? t(key) : fallback;
}
