// Roles: what members of each may do (portal, maintenance, every machine without authorization).
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate } from '../../api/lookups';
import type { Role } from '../../api/types';
import { t, tn } from '../../i18n';
import { route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { CheckField, FormActions, TextField } from '../../ui/Field';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { usePaged } from '../../ui/usePaged';
import { href } from '../../router';

function yes(b: boolean) {
  return b ? <Badge kind="ok">{t('common.yes')}</Badge> : <span class="muted">{t('common.no')}</span>;
}

export function RolesPage() {
  const q = route.value.query;
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const { data, error, loading, reload } = usePaged((signal) => api.get('/api/v1/roles', { query: { limit, offset, sort: 'name' }, signal }), [offset, limit]);
  const columns: Column<Role>[] = [
    { id: 'name', header: t('roles.name'), render: (r) => <strong>{r.name}</strong> },
    { id: 'admin', header: t('roles.backendAdmin'), render: (r) => yes(r.backend_admin) },
    { id: 'maint', header: t('roles.maintenance'), render: (r) => yes(r.maintenance) },
    { id: 'all', header: t('roles.authorizeAll'), render: (r) => yes(r.authorize_all) },
    { id: 'members', header: t('roles.members'), render: (r) => <a href={href('/members', { role: r.id })}>{tn('count.members', r.member_count)}</a> },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (r) =>
        r.reserved ? (
          <Badge kind="muted">{t('roles.reserved')}</Badge>
        ) : (
          <>
            <button type="button" class="button button-small" onClick={() => setEditing(r)} aria-label={t('common.editNamed', { name: r.name })}>
              {t('common.edit')}
            </button>
            <button type="button" class="button button-small button-danger" onClick={() => setDeleting(r)} aria-label={t('common.deleteNamed', { name: r.name })}>
              {t('common.delete')}
            </button>
          </>
        ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.roles')}>
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('roles.add')}
        </button>
      </PageHead>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.roles')} columns={columns} rows={data?.items ?? null} rowKey={(r) => r.id} loading={loading} testId="roles-table" />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {editing && (
        <RoleForm
          role={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(r) => {
            toast(t('common.savedNamed', { name: r.name }));
            setEditing(null);
            invalidate('roles');
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('common.deleteTitle', { name: deleting.name })}
          message={t('roles.deleteText')}
          blocked={deleting.member_count > 0 ? tn('roles.inUse', deleting.member_count) : undefined}
          loadConsequences={async () => []}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/roles/{id}', { path: { id: deleting.id } });
            toast(t('common.deletedNamed', { name: deleting.name }));
            invalidate('roles');
            reload();
          }}
        />
      )}
    </section>
  );
}

function RoleForm({ role, onClose, onSaved }: { role?: Role; onClose: () => void; onSaved: (r: Role) => void }) {
  const form = useForm(
    {
      name: role?.name ?? '',
      backend_admin: role?.backend_admin ?? false,
      maintenance: role?.maintenance ?? false,
      authorize_all: role?.authorize_all ?? false,
    },
    (v) => ({ name: v.name.trim() ? (v.name.trim().length > 100 ? t('err.maxLength', { a: 100 }) : undefined) : t('err.required') }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    // Every flag is sent: editing never clears one silently.
    const body = { name: v.name.trim(), backend_admin: v.backend_admin, maintenance: v.maintenance, authorize_all: v.authorize_all };
    onSaved(role ? await api.patch('/api/v1/roles/{id}', { path: { id: role.id }, body }) : await api.post('/api/v1/roles', { body }));
  });
  return (
    <Dialog title={role ? t('common.editTitle', { name: role.name }) : t('roles.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <TextField label={t('roles.name')} name="name" value={v.name} onInput={(x) => form.set('name', x)} error={form.errors.name} data-autofocus autocomplete="off" />
        <CheckField label={t('roles.backendAdmin')} hint={t('roles.backendAdminHint')} name="backend_admin" checked={v.backend_admin} onChange={(x) => form.set('backend_admin', x)} error={form.errors.backend_admin} />
        <CheckField label={t('roles.maintenance')} hint={t('roles.maintenanceHint')} name="maintenance" checked={v.maintenance} onChange={(x) => form.set('maintenance', x)} error={form.errors.maintenance} />
        <CheckField label={t('roles.authorizeAll')} hint={t('roles.authorizeAllHint')} name="authorize_all" checked={v.authorize_all} onChange={(x) => form.set('authorize_all', x)} error={form.errors.authorize_all} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
