// Machine types: auto-logoff, grace period, whether an authorization is needed.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate } from '../../api/lookups';
import type { MachineType } from '../../api/types';
import { t, tn } from '../../i18n';
import { formatNumber } from '../../i18n/format';
import { href, route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { FormActions, SelectField, TextField } from '../../ui/Field';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { usePaged } from '../../ui/usePaged';

const MAX_MINUTES = 65535;

function minutes(n: number, zero: string) {
  return n === 0 ? zero : tn('count.minutes', n);
}

export function MachineTypesPage() {
  const q = route.value.query;
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [editing, setEditing] = useState<MachineType | 'new' | null>(null);
  const [deleting, setDeleting] = useState<MachineType | null>(null);
  const { data, error, loading, reload } = usePaged((signal) => api.get('/api/v1/machine-types', { query: { limit, offset, sort: 'name' }, signal }), [offset, limit]);
  const columns: Column<MachineType>[] = [
    { id: 'name', header: t('types.name'), render: (x) => <strong>{x.name}</strong> },
    { id: 'timeout', header: t('types.timeout'), render: (x) => minutes(x.timeout_min, t('types.timeoutOff')) },
    { id: 'grace', header: t('types.grace'), render: (x) => minutes(x.grace_period_min, t('types.graceNone')) },
    { id: 'access', header: t('types.access'), render: (x) => (x.access_management === 0 ? t('types.access0') : t('types.access1')) },
    { id: 'machines', header: t('types.machines'), render: (x) => <a href={href('/machines', { type: x.id })}>{formatNumber(x.machine_count)}</a> },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (x) => (
        <>
          <button type="button" class="button button-small" onClick={() => setEditing(x)} aria-label={t('common.editNamed', { name: x.name })}>
            {t('common.edit')}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(x)} aria-label={t('common.deleteNamed', { name: x.name })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.machineTypes')}>
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('types.add')}
        </button>
      </PageHead>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.machineTypes')} columns={columns} rows={data?.items ?? null} rowKey={(x) => x.id} loading={loading} testId="types-table" />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {editing && (
        <TypeForm
          type={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(x) => {
            toast(t('common.savedNamed', { name: x.name }));
            setEditing(null);
            invalidate('types');
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('common.deleteTitle', { name: deleting.name })}
          message={t('types.deleteText')}
          blocked={deleting.machine_count > 0 ? tn('types.inUse', deleting.machine_count) : undefined}
          loadConsequences={async () => []}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/machine-types/{id}', { path: { id: deleting.id } });
            toast(t('common.deletedNamed', { name: deleting.name }));
            invalidate('types');
            reload();
          }}
        />
      )}
    </section>
  );
}

function intError(v: string): string | undefined {
  if (!/^\d+$/.test(v.trim())) return t('err.wholeNumber');
  const n = Number(v);
  return n > MAX_MINUTES ? t('err.range', { a: 0, b: formatNumber(MAX_MINUTES) }) : undefined;
}

function TypeForm({ type, onClose, onSaved }: { type?: MachineType; onClose: () => void; onSaved: (x: MachineType) => void }) {
  const form = useForm(
    {
      name: type?.name ?? '',
      timeout_min: String(type?.timeout_min ?? 0),
      grace_period_min: String(type?.grace_period_min ?? 0),
      access_management: String(type?.access_management ?? 0),
    },
    (v) => ({
      name: v.name.trim() ? undefined : t('err.required'),
      timeout_min: intError(v.timeout_min),
      grace_period_min: intError(v.grace_period_min),
    }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    const body = {
      name: v.name.trim(),
      timeout_min: Number(v.timeout_min),
      grace_period_min: Number(v.grace_period_min),
      access_management: Number(v.access_management),
    };
    onSaved(type ? await api.patch('/api/v1/machine-types/{id}', { path: { id: type.id }, body }) : await api.post('/api/v1/machine-types', { body }));
  });
  return (
    <Dialog title={type ? t('common.editTitle', { name: type.name }) : t('types.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <TextField label={t('types.name')} name="name" value={v.name} onInput={(x) => form.set('name', x)} error={form.errors.name} data-autofocus autocomplete="off" />
        <TextField label={t('types.timeoutMin')} hint={t('types.timeoutHint')} name="timeout_min" inputMode="numeric" value={v.timeout_min} onInput={(x) => form.set('timeout_min', x)} error={form.errors.timeout_min} />
        <TextField label={t('types.graceMin')} hint={t('types.graceHint')} name="grace_period_min" inputMode="numeric" value={v.grace_period_min} onInput={(x) => form.set('grace_period_min', x)} error={form.errors.grace_period_min} />
        <SelectField label={t('types.access')} name="access_management" value={v.access_management} onChange={(x) => form.set('access_management', x)} error={form.errors.access_management}>
          <option value="0">{t('types.access0')}</option>
          <option value="1">{t('types.access1')}</option>
        </SelectField>
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
