// Members: search, filter, page through; add, edit, disable, delete. ?new=1&card=… opens the
// form with the card filled in.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate, useLookup } from '../../api/lookups';
import type { Member } from '../../api/types';
import { t, tn } from '../../i18n';
import { href, route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Badge } from '../../ui/StatusBadge';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { usePaged } from '../../ui/usePaged';
import { fullName } from '../../ui/format-member';
import { MemberForm } from './MemberForm';
import { SearchBox } from '../../ui/SearchBox';
import { ExportButtons } from '../../ui/ExportButtons';

export function MembersPage() {
  const q = route.value.query;
  const search = q.get('q') ?? '';
  const roleId = q.get('role') ?? '';
  const withDeleted = q.get('deleted') === '1';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const roles = useLookup('roles');
  const [editing, setEditing] = useState<Member | 'new' | null>(q.get('new') ? 'new' : null);
  const [deleting, setDeleting] = useState<Member | null>(null);
  const { data, error, loading, reload } = usePaged(
    (signal) =>
      api.get('/api/v1/members', {
        query: { q: search || undefined, role_id: roleId ? Number(roleId) : undefined, include_deleted: withDeleted || undefined, limit, offset, sort: 'name' },
        signal,
      }),
    [search, roleId, withDeleted, offset, limit],
  );
  useEffect(() => {
    if (q.get('new')) setEditing('new');
  }, [q.get('new')]);

  const columns: Column<Member>[] = [
    {
      id: 'name',
      header: t('members.name'),
      render: (m) => (
        <a href={href(`/members/${m.id}`)}>
          <strong>{fullName(m)}</strong>
        </a>
      ),
    },
    { id: 'role', header: t('members.role'), render: (m) => m.role_name },
    { id: 'card', header: t('members.card'), render: (m) => (m.card ? <code>{m.card}</code> : <span class="muted">{t('members.noCard')}</span>) },
    { id: 'email', header: t('members.email'), class: 'break-anywhere', render: (m) => m.email ?? '—' },
    {
      id: 'status',
      header: t('members.status'),
      render: (m) =>
        m.deleted ? <Badge kind="muted">{t('members.deleted')}</Badge> : m.disabled ? <Badge kind="warn">{t('members.disabledBadge')}</Badge> : <Badge kind="ok">{t('members.active')}</Badge>,
    },
    { id: 'weekly', header: t('members.weeklyShort'), render: (m) => (m.receive_weekly_summary ? t('common.yes') : t('common.no')) },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (m) =>
        // The Anonymous member (holder of purged history) is reserved: nothing to edit.
        m.deleted || m.reserved ? null : (
          <>
            <button type="button" class="button button-small" onClick={() => setEditing(m)} aria-label={t('common.editNamed', { name: fullName(m) })}>
              {t('common.edit')}
            </button>
            <button type="button" class="button button-small button-danger" onClick={() => setDeleting(m)} aria-label={t('common.deleteNamed', { name: fullName(m) })}>
              {t('common.delete')}
            </button>
          </>
        ),
    },
  ];

  const closeForm = () => {
    setEditing(null);
    if (q.get('new')) setQuery({ new: null, card: null });
  };

  return (
    <section class="page">
      <PageHead title={t('nav.members')}>
        <ExportButtons path="/api/v1/members/export" what={t('nav.members')} query={{ q: search, role_id: roleId, include_deleted: withDeleted }} testId="export-members" />
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('members.add')}
        </button>
      </PageHead>
      <div class="filters">
        <SearchBox label={t('members.search')} value={search} onChange={(v) => setQuery({ q: v, offset: null })} />
        <label class="field">
          <span>{t('members.role')}</span>
          <select value={roleId} onChange={(e) => setQuery({ role: (e.currentTarget as HTMLSelectElement).value, offset: null })}>
            <option value="">{t('common.all')}</option>
            {roles?.map((r) => (
              <option key={r.id} value={String(r.id)}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label class="check-inline">
          <input type="checkbox" checked={withDeleted} onChange={(e) => setQuery({ deleted: (e.currentTarget as HTMLInputElement).checked ? '1' : null, offset: null })} />
          <span>{t('members.showDeleted')}</span>
        </label>
      </div>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.members')} columns={columns} rows={data?.items ?? null} rowKey={(m) => m.id} loading={loading} testId="members-table" rowClass={(m) => (m.deleted || m.disabled ? 'row-muted' : undefined)} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {editing && (
        <MemberForm
          member={editing === 'new' ? undefined : editing}
          card={editing === 'new' ? (q.get('card') ?? undefined) : undefined}
          onClose={closeForm}
          onSaved={(m) => {
            toast(editing === 'new' ? t('members.created', { name: fullName(m) }) : t('members.saved', { name: fullName(m) }));
            closeForm();
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('members.deleteTitle', { name: fullName(deleting) })}
          message={t('members.deleteText')}
          confirmLabel={t('common.delete')}
          // Nothing goes with a member (soft delete): the list says what stays and what is freed.
          consequencesTitle={t('members.deleteEffects')}
          loadConsequences={async () => {
            const stays = await api.get('/api/v1/members/{id}/cascade', { path: { id: deleting.id } });
            const out = [];
            if (stays.card) out.push({ text: t('members.cardFreed', { card: stays.card }) });
            out.push({ text: tn('members.usesKept', stays.uses) });
            out.push({ text: tn('members.authsKept', stays.authorizations) });
            if (stays.interventions) out.push({ text: tn('members.interventionsKept', stays.interventions) });
            return out;
          }}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/members/{id}', { path: { id: deleting.id } });
            toast(t('members.deletedToast', { name: fullName(deleting) }));
            invalidate('roles');
            reload();
          }}
        />
      )}
    </section>
  );
}
