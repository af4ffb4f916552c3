// Interventions: maintenance done, registered by the board (long tap) or here by hand.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate, useLookup } from '../../api/lookups';
import type { Intervention } from '../../api/types';
import { t } from '../../i18n';
import { formatDateTime, fromLocalInput, toLocalInput } from '../../i18n/format';
import { serverNow } from '../../live/live';
import { route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { FormActions, SelectField, TextField } from '../../ui/Field';
import { MachineSelect } from '../../ui/MachineSelect';
import { MemberPicker, type Picked } from '../../ui/MemberPicker';
import { LoadError, PageHead } from '../../ui/Page';
import { ExportButtons } from '../../ui/ExportButtons';
import { Pager } from '../../ui/Pager';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { useMemberFilter } from '../../ui/useMemberFilter';
import { usePaged } from '../../ui/usePaged';
import { session } from '../../auth/session';
import { MaintenanceTabs } from './tabs';

export function InterventionsPage() {
  const q = route.value.query;
  const machineId = q.get('machine') ?? '';
  const planId = q.get('plan') ?? '';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [member, setMember] = useMemberFilter();
  const [editing, setEditing] = useState<Intervention | 'new' | null>(q.get('register') ? 'new' : null);
  const [deleting, setDeleting] = useState<Intervention | null>(null);
  const plans = useLookup('plans');
  useEffect(() => {
    if (q.get('register')) setEditing('new');
  }, [q.get('register')]);
  const { data, error, loading, reload } = usePaged(
    (signal) =>
      api.get('/api/v1/interventions', {
        query: { machine_id: machineId ? Number(machineId) : undefined, plan_id: planId ? Number(planId) : undefined, member_id: member?.id, limit, offset },
        signal,
      }),
    [machineId, planId, member?.id, offset, limit],
  );
  const columns: Column<Intervention>[] = [
    { id: 'when', header: t('interventions.when'), render: (i) => formatDateTime(i.timestamp) },
    { id: 'machine', header: t('auth.machine'), render: (i) => i.machine_name },
    { id: 'plan', header: t('interventions.plan'), render: (i) => i.plan_description },
    { id: 'member', header: t('interventions.by'), render: (i) => i.member_name },
    { id: 'replay', header: t('interventions.source'), render: (i) => (i.replay ? <Badge kind="info">{t('common.replayed')}</Badge> : <span class="muted">{t('common.live')}</span>) },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (i) => (
        <>
          <button type="button" class="button button-small" onClick={() => setEditing(i)} aria-label={t('common.editNamed', { name: `${i.plan_description} ${formatDateTime(i.timestamp)}` })}>
            {t('common.edit')}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(i)} aria-label={t('common.deleteNamed', { name: `${i.plan_description} ${formatDateTime(i.timestamp)}` })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  const visiblePlans = plans?.filter((p) => !machineId || String(p.machine_id) === machineId);
  const closeForm = () => {
    setEditing(null);
    if (q.get('register')) setQuery({ register: null });
  };
  return (
    <section class="page">
      <PageHead title={t('nav.maintenance')}>
        <ExportButtons path="/api/v1/interventions/export" what={t('nav.maintenance')} query={{ machine_id: machineId, plan_id: planId, member_id: member?.id }} testId="export-interventions" />
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('interventions.add')}
        </button>
      </PageHead>
      <MaintenanceTabs />
      <div class="filters">
        <MachineSelect label={t('auth.machine')} name="machine-filter" value={machineId} onChange={(v) => setQuery({ machine: v, plan: null, offset: null })} allLabel={t('common.allMachines')} />
        <label class="field">
          <span>{t('interventions.plan')}</span>
          <select value={planId} onChange={(e) => setQuery({ plan: (e.currentTarget as HTMLSelectElement).value, offset: null })}>
            <option value="">{t('common.all')}</option>
            {visiblePlans?.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.machine_name}: {p.description}
              </option>
            ))}
          </select>
        </label>
        <MemberPicker label={t('interventions.by')} name="member-filter" value={member} onChange={setMember} placeholder={t('common.allMembers')} />
      </div>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('plans.interventions')} columns={columns} rows={data?.items ?? null} rowKey={(i) => i.id} loading={loading} testId="interventions-table" empty={t('interventions.empty')} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {editing && (
        <InterventionForm
          intervention={editing === 'new' ? undefined : editing}
          planId={planId}
          onClose={closeForm}
          onSaved={() => {
            toast(t('interventions.saved'));
            closeForm();
            invalidate('plans');
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('interventions.deleteTitle')}
          message={t('interventions.deleteText', { plan: deleting.plan_description, when: formatDateTime(deleting.timestamp) })}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/interventions/{id}', { path: { id: deleting.id } });
            toast(t('common.deleted'));
            invalidate('plans');
            reload();
          }}
        />
      )}
    </section>
  );
}

function InterventionForm({ intervention, planId, onClose, onSaved }: { intervention?: Intervention; planId: string; onClose: () => void; onSaved: () => void }) {
  const plans = useLookup('plans');
  const me = session.value?.user;
  const form = useForm(
    {
      plan_id: intervention ? String(intervention.plan_id) : planId,
      member: (intervention ? { id: intervention.member_id, label: intervention.member_name } : me ? { id: me.id, label: me.name } : null) as Picked | null,
      when: toLocalInput(intervention?.timestamp ?? serverNow()),
    },
    (v) => ({
      plan_id: v.plan_id ? undefined : t('err.choosePlan'),
      member: v.member ? undefined : t('err.chooseMember'),
      when: fromLocalInput(v.when) ? undefined : t('err.dateTime'),
    }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    const body = { plan_id: Number(v.plan_id), member_id: v.member!.id, timestamp: fromLocalInput(v.when)! };
    if (intervention) await api.patch('/api/v1/interventions/{id}', { path: { id: intervention.id }, body });
    else await api.post('/api/v1/interventions', { body });
    onSaved();
  });
  return (
    <Dialog title={intervention ? t('interventions.editTitle') : t('interventions.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <SelectField label={t('interventions.plan')} name="plan_id" value={v.plan_id} onChange={(x) => form.set('plan_id', x)} error={form.errors.plan_id}>
          <option value="">{t('common.choose')}</option>
          {plans?.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.machine_name}: {p.description}
            </option>
          ))}
        </SelectField>
        <MemberPicker label={t('interventions.by')} name="member_id" value={v.member} onChange={(p) => form.set('member', p)} error={form.errors.member ?? form.errors.member_id} />
        <TextField label={t('interventions.when')} name="timestamp" type="datetime-local" value={v.when} onInput={(x) => form.set('when', x)} error={form.errors.when ?? form.errors.timestamp} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
