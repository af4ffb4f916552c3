// Who may use which machine: filter by member and machine, add, delete, bulk add.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Authorization } from '../../api/types';
import { t } from '../../i18n';
import { route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { FormActions } from '../../ui/Field';
import { MachineSelect } from '../../ui/MachineSelect';
import { MemberPicker, type Picked } from '../../ui/MemberPicker';
import { LoadError, PageHead } from '../../ui/Page';
import { ExportButtons } from '../../ui/ExportButtons';
import { Pager } from '../../ui/Pager';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { useMemberFilter } from '../../ui/useMemberFilter';
import { usePaged } from '../../ui/usePaged';
import { BulkDialog } from './BulkDialog';

export function AuthorizationsPage() {
  const q = route.value.query;
  const machineId = q.get('machine') ?? '';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [member, setMember] = useMemberFilter();
  const [adding, setAdding] = useState(false);
  const [bulk, setBulk] = useState(false);
  const [deleting, setDeleting] = useState<Authorization | null>(null);
  const { data, error, loading, reload } = usePaged(
    (signal) =>
      api.get('/api/v1/authorizations', {
        query: { member_id: member?.id, machine_id: machineId ? Number(machineId) : undefined, limit, offset, sort: 'member' },
        signal,
      }),
    [member?.id, machineId, offset, limit],
  );
  const columns: Column<Authorization>[] = [
    { id: 'member', header: t('auth.member'), render: (a) => a.member_name },
    { id: 'machine', header: t('auth.machine'), render: (a) => a.machine_name },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (a) => (
        <button type="button" class="button button-small button-danger" onClick={() => setDeleting(a)} aria-label={t('auth.deleteNamed', { member: a.member_name, machine: a.machine_name })}>
          {t('common.delete')}
        </button>
      ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.authorizations')}>
        <ExportButtons path="/api/v1/authorizations/export" what={t('nav.authorizations')} query={{ member_id: member?.id, machine_id: machineId }} testId="export-authorizations" />
        <button type="button" class="button" onClick={() => setBulk(true)}>
          {t('auth.bulk')}
        </button>
        <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
          {t('auth.add')}
        </button>
      </PageHead>
      <div class="filters">
        <MemberPicker label={t('auth.member')} name="member-filter" value={member} onChange={setMember} placeholder={t('common.allMembers')} />
        <MachineSelect label={t('auth.machine')} name="machine-filter" value={machineId} onChange={(v) => setQuery({ machine: v, offset: null })} allLabel={t('common.allMachines')} />
      </div>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.authorizations')} columns={columns} rows={data?.items ?? null} rowKey={(a) => a.id} loading={loading} testId="auth-table" empty={t('auth.empty')} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {adding && (
        <AddDialog
          member={member}
          machineId={machineId}
          onClose={() => setAdding(false)}
          onSaved={(a) => {
            toast(t('auth.added', { member: a.member_name, machine: a.machine_name }));
            setAdding(false);
            reload();
          }}
        />
      )}
      {bulk && (
        <BulkDialog
          machineId={machineId}
          onClose={() => setBulk(false)}
          onDone={() => {
            setBulk(false);
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('auth.deleteTitle')}
          message={t('auth.deleteText', { member: deleting.member_name, machine: deleting.machine_name })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/authorizations/{id}', { path: { id: deleting.id } });
            toast(t('common.deleted'));
            reload();
          }}
        />
      )}
    </section>
  );
}

function AddDialog({ member, machineId, onClose, onSaved }: { member: Picked | null; machineId: string; onClose: () => void; onSaved: (a: Authorization) => void }) {
  const form = useForm({ member_id: member as Picked | null, machine_id: machineId }, (v) => ({
    member_id: v.member_id ? undefined : t('err.chooseMember'),
    machine_id: v.machine_id ? undefined : t('err.chooseMachine'),
  }));
  const submit = form.submit(async (v) => {
    onSaved(await api.post('/api/v1/authorizations', { body: { member_id: v.member_id!.id, machine_id: Number(v.machine_id) } }));
  });
  return (
    <Dialog title={t('auth.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <MemberPicker label={t('auth.member')} name="member_id" value={form.values.member_id} onChange={(p) => form.set('member_id', p)} error={form.errors.member_id} />
        <MachineSelect label={t('auth.machine')} name="machine_id" value={form.values.machine_id} onChange={(v) => form.set('machine_id', v)} error={form.errors.machine_id} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} submit={t('auth.authorize')} />
      </form>
    </Dialog>
  );
}
