// Who changed what, when: the audit log, newest first, with its before/after.
import { api } from '../../api/client';
import type { AuditEntry } from '../../api/types';
import { t, tn } from '../../i18n';
import { formatDateTimeSeconds } from '../../i18n/format';
import { route, setQuery } from '../../router';
import { DayRangeError, DayRangeFields, useDayRange } from '../../ui/DayRange';
import { MemberPicker } from '../../ui/MemberPicker';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { DataTable, type Column } from '../../ui/Table';
import { useMemberFilter } from '../../ui/useMemberFilter';
import { usePaged } from '../../ui/usePaged';
import { changedFields, rowFields } from './describe';

// Every code the server writes to the audit log (the OpenAPI document leaves `action` and
// `entity` plain strings): the data routes (record_change in web/api/*.cpp), the operations
// routes (backup, restore, restart, exports, mail, settings), sign-in and first setup
// (web/auth/*.cpp) and the command line (app/admin_command.cpp). Each needs its label in both
// catalogues: a code without one is a type error below.
const ENTITIES = ['user', 'role', 'machine_type', 'machine', 'board', 'discovered_board', 'board_account', 'authorization', 'maintenance_plan', 'intervention', 'use', 'unknown_card', 'session', 'member', 'settings', 'weekly_summary', 'test_mail', 'backup', 'database', 'service'] as const;
const ACTIONS = ['create', 'update', 'delete', 'bulk_add', 'start', 'stop', 'rotate_secret', 'login', 'logout', 'login_failed', 'login_refused', 'password_change', 'password_reset', 'password_reset_requested', 'password_set', 'portal_grant', 'setup', 'setup_failed', 'export', 'download', 'send', 'restore', 'restart'] as const;
type Entity = (typeof ENTITIES)[number];
type Action = (typeof ACTIONS)[number];

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** The code's label; the code itself for one of a newer server. */
function entityLabel(value: string): string {
  return isOneOf<Entity>(ENTITIES, value) ? t(`audit.entity.${value}`) : value;
}

function actionLabel(value: string): string {
  return isOneOf<Action>(ACTIONS, value) ? t(`audit.action.${value}`) : value;
}

function subject(e: AuditEntry): string {
  const v = (e.after ?? e.before) as Record<string, unknown> | null;
  const first = v && typeof v === 'object' ? (v['name'] ?? v['description'] ?? v['card']) : undefined;
  // A member by name and surname ("Mario Rossi"), other rows by their name.
  const name = typeof first === 'string' && v && typeof v['surname'] === 'string' && v['surname'] ? `${first} ${v['surname']}` : first;
  return [entityLabel(e.entity), e.entity_id ? `#${e.entity_id}` : '', typeof name === 'string' ? `“${name}”` : ''].filter(Boolean).join(' ');
}

export function AuditPage() {
  const q = route.value.query;
  const entity = q.get('entity') ?? '';
  const action = q.get('action') ?? '';
  const range = useDayRange();
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [who, setWho] = useMemberFilter('who');
  const { data, error, loading, reload } = usePaged(
    (signal) =>
      api.get('/api/v1/audit', {
        query: { entity: entity || undefined, action: action || undefined, user_id: who?.id, from: range.since, to: range.before, limit, offset },
        signal,
      }),
    [entity, action, who?.id, range.since, range.before, offset, limit],
  );
  const columns: Column<AuditEntry>[] = [
    { id: 'time', header: t('audit.when'), render: (e) => formatDateTimeSeconds(e.time) },
    { id: 'who', header: t('audit.who'), render: (e) => e.user_email || '—' },
    { id: 'action', header: t('audit.action'), render: (e) => actionLabel(e.action) },
    { id: 'what', header: t('audit.what'), render: (e) => subject(e) },
    {
      id: 'details',
      header: t('audit.details'),
      render: (e) => <Details entry={e} />,
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.audit')} />
      <div class="filters">
        <label class="field">
          <span>{t('audit.what')}</span>
          <select value={entity} onChange={(e) => setQuery({ entity: (e.currentTarget as HTMLSelectElement).value, offset: null })}>
            <option value="">{t('common.all')}</option>
            {ENTITIES.map((x) => (
              <option key={x} value={x}>
                {entityLabel(x)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t('audit.action')}</span>
          <select value={action} onChange={(e) => setQuery({ action: (e.currentTarget as HTMLSelectElement).value, offset: null })}>
            <option value="">{t('common.all')}</option>
            {ACTIONS.map((x) => (
              <option key={x} value={x}>
                {actionLabel(x)}
              </option>
            ))}
          </select>
        </label>
        <MemberPicker label={t('audit.by')} name="who-filter" value={who} onChange={setWho} placeholder={t('common.allMembers')} />
        <DayRangeFields range={range} />
        {(entity || action || who || range.from || range.to) && (
          <button type="button" class="button button-small" onClick={() => setQuery({ entity: null, action: null, who: null, from: null, to: null, offset: null })}>
            {t('common.clearFilters')}
          </button>
        )}
      </div>
      <DayRangeError range={range} />
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.audit')} columns={columns} rows={data?.items ?? null} rowKey={(e) => e.id} loading={loading} testId="audit-table" />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
    </section>
  );
}

/** An update's changed fields ("Name: Laser → Laser 2"), or what a created or deleted row held;
 *  the address it came from otherwise. */
function Details({ entry }: { entry: AuditEntry }) {
  const changed = changedFields(entry);
  const lines = changed.length ? changed.map((c) => ({ ...c, text: `${c.before} → ${c.text}` })) : rowFields(entry);
  if (!lines.length) return <span class="muted">{entry.address}</span>;
  return (
    <details data-testid={changed.length ? 'audit-changes' : 'audit-row'}>
      <summary>{changed.length ? tn('audit.changedFields', changed.length) : tn('audit.rowFields', lines.length)}</summary>
      <ul class="plain-list">
        {lines.map((l) => (
          <li key={l.field} data-field={l.field}>
            {l.label}: {l.text}
          </li>
        ))}
      </ul>
    </details>
  );
}
