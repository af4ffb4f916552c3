// Maintenance plans: what to do on a machine every so many hours, and whether it is due.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate } from '../../api/lookups';
import type { Plan } from '../../api/types';
import { t, tn } from '../../i18n';
import { formatDateTime, formatHours } from '../../i18n/format';
import { href, route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { FormActions, TextField } from '../../ui/Field';
import { MachineSelect } from '../../ui/MachineSelect';
import { LoadError, PageHead } from '../../ui/Page';
import { ExportButtons } from '../../ui/ExportButtons';
import { Pager } from '../../ui/Pager';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { usePaged } from '../../ui/usePaged';
import { MaintenanceTabs } from './tabs';

export const LCD_COLUMNS = 16;

export function PlansPage() {
  const q = route.value.query;
  const machineId = q.get('machine') ?? '';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Plan | null>(null);
  const { data, error, loading, reload } = usePaged(
    (signal) => api.get('/api/v1/maintenance-plans', { query: { machine_id: machineId ? Number(machineId) : undefined, limit, offset }, signal }),
    [machineId, offset, limit],
  );
  const columns: Column<Plan>[] = [
    { id: 'machine', header: t('auth.machine'), render: (p) => <a href={href(`/machines/${p.machine_id}`)}>{p.machine_name}</a> },
    {
      id: 'desc',
      header: t('plans.description'),
      render: (p) => (
        <>
          {p.description}
          {p.instructions_url && (
            <>
              {' '}
              <a href={p.instructions_url} target="_blank" rel="noopener noreferrer">
                {t('plans.instructions')}
              </a>
            </>
          )}
        </>
      ),
    },
    { id: 'lcd', header: t('plans.lcd'), render: (p) => (p.lcd_message ? <code>{p.lcd_message}</code> : '—') },
    { id: 'every', header: t('plans.every'), render: (p) => formatHours(p.hours_between) },
    {
      id: 'state',
      header: t('machines.state'),
      render: (p) => (
        <>
          {p.due ? <Badge kind="danger">{t('plans.due')}</Badge> : <Badge kind="ok">{t('plans.ok')}</Badge>}{' '}
          <span class="muted">{p.since > 0 ? t('plans.usedSince', { used: formatHours(p.used_hours), since: formatDateTime(p.since) }) : t('plans.used', { used: formatHours(p.used_hours) })}</span>
        </>
      ),
    },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (p) => (
        <>
          <a class="button button-small" href={href('/interventions', { plan: p.id, machine: p.machine_id, register: 1 })}>
            {t('plans.register')}
          </a>
          <button type="button" class="button button-small" onClick={() => setEditing(p)} aria-label={t('common.editNamed', { name: p.description })}>
            {t('common.edit')}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(p)} aria-label={t('common.deleteNamed', { name: p.description })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.maintenance')}>
        <ExportButtons path="/api/v1/maintenance-plans/export" what={t('nav.maintenance')} query={{ machine_id: machineId }} testId="export-plans" />
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('plans.add')}
        </button>
      </PageHead>
      <MaintenanceTabs />
      <div class="filters">
        <MachineSelect label={t('auth.machine')} name="machine-filter" value={machineId} onChange={(v) => setQuery({ machine: v, offset: null })} allLabel={t('common.allMachines')} />
      </div>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('plans.title')} columns={columns} rows={data?.items ?? null} rowKey={(p) => p.id} loading={loading} testId="plans-table" rowClass={(p) => (p.due ? 'row-warn' : undefined)} empty={t('plans.empty')} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {editing && (
        <PlanForm
          plan={editing === 'new' ? undefined : editing}
          machineId={machineId}
          onClose={() => setEditing(null)}
          onSaved={(p) => {
            toast(t('common.savedNamed', { name: p.description }));
            setEditing(null);
            invalidate('plans');
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('common.deleteTitle', { name: deleting.description })}
          message={t('plans.deleteText')}
          loadConsequences={async () => {
            const c = await api.get('/api/v1/maintenance-plans/{id}/cascade', { path: { id: deleting.id } });
            return c.interventions ? [{ text: tn('cascade.interventions', c.interventions) }] : [];
          }}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/maintenance-plans/{id}', { path: { id: deleting.id } });
            toast(t('common.deletedNamed', { name: deleting.description }));
            invalidate('plans');
            reload();
          }}
        />
      )}
    </section>
  );
}

function PlanForm({ plan, machineId, onClose, onSaved }: { plan?: Plan; machineId: string; onClose: () => void; onSaved: (p: Plan) => void }) {
  const form = useForm(
    {
      machine_id: plan ? String(plan.machine_id) : machineId,
      description: plan?.description ?? '',
      hours_between: plan ? String(plan.hours_between) : '',
      lcd_message: plan?.lcd_message ?? '',
      instructions_url: plan?.instructions_url ?? '',
    },
    (v) => ({
      machine_id: v.machine_id ? undefined : t('err.chooseMachine'),
      description: v.description.trim() ? undefined : t('err.required'),
      hours_between: /^\d+([.,]\d+)?$/.test(v.hours_between.trim()) ? undefined : t('err.number'),
      lcd_message: v.lcd_message.trim().length > LCD_COLUMNS ? t('err.maxLength', { a: LCD_COLUMNS }) : undefined,
      instructions_url: v.instructions_url.trim() && !/^https?:\/\//.test(v.instructions_url.trim()) ? t('err.url') : undefined,
    }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    const body = {
      machine_id: Number(v.machine_id),
      description: v.description.trim(),
      hours_between: Number(v.hours_between.trim().replace(',', '.')),
      lcd_message: v.lcd_message.trim() || null,
      instructions_url: v.instructions_url.trim() || null,
    };
    onSaved(plan ? await api.patch('/api/v1/maintenance-plans/{id}', { path: { id: plan.id }, body }) : await api.post('/api/v1/maintenance-plans', { body }));
  });
  return (
    <Dialog title={plan ? t('common.editTitle', { name: plan.description }) : t('plans.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <MachineSelect label={t('auth.machine')} name="machine_id" value={v.machine_id} onChange={(x) => form.set('machine_id', x)} error={form.errors.machine_id} />
        <TextField label={t('plans.description')} name="description" value={v.description} onInput={(x) => form.set('description', x)} error={form.errors.description} data-autofocus autocomplete="off" />
        <TextField label={t('plans.everyHours')} name="hours_between" inputMode="decimal" value={v.hours_between} onInput={(x) => form.set('hours_between', x)} error={form.errors.hours_between} />
        <TextField
          label={t('plans.lcd')}
          hint={t('plans.lcdHint', { n: LCD_COLUMNS, left: LCD_COLUMNS - v.lcd_message.trim().length })}
          name="lcd_message"
          value={v.lcd_message}
          onInput={(x) => form.set('lcd_message', x)}
          error={form.errors.lcd_message}
          autocomplete="off"
        />
        <TextField label={t('plans.instructionsUrl')} name="instructions_url" type="url" value={v.instructions_url} onInput={(x) => form.set('instructions_url', x)} error={form.errors.instructions_url} autocomplete="off" />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
