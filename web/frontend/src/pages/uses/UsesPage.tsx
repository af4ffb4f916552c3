// Usage history: filters by member, machine and dates; open uses highlighted; paged through
// the whole history; manual registration and deletion.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Use } from '../../api/types';
import { t } from '../../i18n';
import { formatDateTime, formatDuration, fromLocalInput, toLocalInput } from '../../i18n/format';
import { serverNow } from '../../live/live';
import { route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { Dialog } from '../../ui/Dialog';
import { CheckField, FormActions, TextField } from '../../ui/Field';
import { MachineSelect } from '../../ui/MachineSelect';
import { MemberPicker, type Picked } from '../../ui/MemberPicker';
import { LoadError, PageHead } from '../../ui/Page';
import { ExportButtons } from '../../ui/ExportButtons';
import { Pager } from '../../ui/Pager';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { DayRangeError, DayRangeFields, useDayRange } from '../../ui/DayRange';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { useMemberFilter } from '../../ui/useMemberFilter';
import { usePaged } from '../../ui/usePaged';

export function UsesPage() {
  const q = route.value.query;
  const machineId = q.get('machine') ?? '';
  const range = useDayRange();
  const openOnly = q.get('open') === '1';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [member, setMember] = useMemberFilter();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Use | null>(null);
  const [editing, setEditing] = useState<Use | null>(null);
  const { data, error, loading, reload } = usePaged(
    (signal) =>
      api.get('/api/v1/uses', {
        query: {
          member_id: member?.id,
          machine_id: machineId ? Number(machineId) : undefined,
          from: range.since,
          before: range.before,
          open: openOnly || undefined,
          limit,
          offset,
        },
        signal,
      }),
    [member?.id, machineId, range.since, range.before, openOnly, offset, limit],
  );
  const columns: Column<Use>[] = [
    { id: 'start', header: t('uses.start'), render: (u) => formatDateTime(u.start) },
    { id: 'member', header: t('auth.member'), render: (u) => u.member_name },
    { id: 'machine', header: t('auth.machine'), render: (u) => u.machine_name },
    {
      id: 'end',
      header: t('uses.end'),
      render: (u) =>
        u.open ? (
          <Badge kind="info">{t('uses.open')}</Badge>
        ) : (
          <>
            {formatDateTime(u.end)}{' '}
            {u.end_estimated && (
              <Badge kind="warn" title={t('uses.estimatedHint')}>
                {t('uses.estimated')}
              </Badge>
            )}
          </>
        ),
    },
    { id: 'duration', header: t('uses.duration'), render: (u) => formatDuration(u.duration_s) },
    {
      id: 'seen',
      header: t('uses.lastUpdate'),
      render: (u) => (
        <>
          {formatDateTime(u.last_seen)} {u.replay && <Badge kind="info">{t('common.replayed')}</Badge>}
        </>
      ),
    },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (u) => (
        <>
          <button type="button" class="button button-small" onClick={() => setEditing(u)} aria-label={t('uses.editNamed', { member: u.member_name, machine: u.machine_name, when: formatDateTime(u.start) })}>
            {t('common.edit')}
          </button>{' '}
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(u)} aria-label={t('uses.deleteNamed', { member: u.member_name, machine: u.machine_name, when: formatDateTime(u.start) })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.uses')}>
        <ExportButtons
          path="/api/v1/uses/export"
          what={t('nav.uses')}
          query={{ member_id: member?.id, machine_id: machineId, from: range.since, before: range.before, open: openOnly }}
          testId="export-uses"
        />
        <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
          {t('uses.add')}
        </button>
      </PageHead>
      <div class="filters">
        <MemberPicker label={t('auth.member')} name="member-filter" value={member} onChange={setMember} placeholder={t('common.allMembers')} />
        <MachineSelect label={t('auth.machine')} name="machine-filter" value={machineId} onChange={(v) => setQuery({ machine: v, offset: null })} allLabel={t('common.allMachines')} />
        <DayRangeFields range={range} />
        <label class="check-inline">
          <input type="checkbox" checked={openOnly} onChange={(e) => setQuery({ open: (e.currentTarget as HTMLInputElement).checked ? '1' : null, offset: null })} />
          <span>{t('uses.openOnly')}</span>
        </label>
        {(member || machineId || range.from || range.to || openOnly) && (
          <button type="button" class="button button-small" onClick={() => setQuery({ member: null, machine: null, from: null, to: null, open: null, offset: null })}>
            {t('common.clearFilters')}
          </button>
        )}
      </div>
      <DayRangeError range={range} />
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.uses')} columns={columns} rows={data?.items ?? null} rowKey={(u) => u.id} loading={loading} testId="uses-table" rowClass={(u) => (u.open ? 'row-open' : undefined)} empty={t('uses.empty')} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {adding && (
        <UseForm
          member={member}
          machineId={machineId}
          onClose={() => setAdding(false)}
          onSaved={(u) => {
            toast(t('uses.added', { member: u.member_name, machine: u.machine_name }));
            setAdding(false);
            reload();
          }}
        />
      )}
      {deleting && <DeleteUse use={deleting} onClose={() => setDeleting(null)} onDone={reload} />}
      {editing && (
        <EditUse
          use={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            toast(t('uses.corrected'));
            setEditing(null);
            reload();
          }}
        />
      )}
    </section>
  );
}

/** A use's start (required) and end (optional, not before the start), as the forms type them. */
function timeErrors(v: { start: string; end: string }): { start?: string; end?: string } {
  const s = fromLocalInput(v.start);
  const e = fromLocalInput(v.end);
  return {
    start: s ? undefined : t('err.dateTime'),
    end: v.end && !e ? t('err.dateTime') : s && e && e < s ? t('err.endBeforeStart') : undefined,
  };
}

/** Corrects the times of a use (a member who forgot to stop, an end the appliance estimated). */
function EditUse({ use, onClose, onSaved }: { use: Use; onClose: () => void; onSaved: () => void }) {
  const loaded = { start: toLocalInput(use.start), end: use.end == null ? '' : toLocalInput(use.end) };
  const form = useForm({ ...loaded, adjust: !use.open }, timeErrors);
  const v = form.values;
  const submit = form.submit(async (v) => {
    await api.patch('/api/v1/uses/{id}', {
      path: { id: use.id },
      query: { adjust_hours: v.adjust || undefined },
      // The fields show minutes: a time left as it was is not sent, so its seconds stay.
      body: {
        ...(v.start !== loaded.start ? { start: fromLocalInput(v.start)! } : {}),
        ...(v.end !== loaded.end ? { end: fromLocalInput(v.end) } : {}),
      },
    });
    onSaved();
  });
  return (
    <Dialog title={t('uses.editTitle', { member: use.member_name, machine: use.machine_name })} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        {use.end_estimated && <p class="notice">{t('uses.estimatedHint')}</p>}
        <TextField label={t('uses.start')} name="start" type="datetime-local" value={v.start} onInput={(x) => form.set('start', x)} error={form.errors.start} data-autofocus />
        <TextField label={t('uses.end')} hint={t('uses.endHint')} name="end" type="datetime-local" value={v.end} onInput={(x) => form.set('end', x)} error={form.errors.end} />
        <CheckField label={t('uses.adjustEdit')} name="adjust" checked={v.adjust} onChange={(x) => form.set('adjust', x)} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function DeleteUse({ use, onClose, onDone }: { use: Use; onClose: () => void; onDone: () => void }) {
  const [adjust, setAdjust] = useState(false);
  return (
    <ConfirmDialog
      title={t('uses.deleteTitle')}
      message={t('uses.deleteText', { member: use.member_name, machine: use.machine_name, when: formatDateTime(use.start), duration: formatDuration(use.duration_s) })}
      confirmLabel={t('common.delete')}
      extra={
        !use.open && (
          <label class="check-inline">
            <input type="checkbox" checked={adjust} onChange={(e) => setAdjust((e.currentTarget as HTMLInputElement).checked)} />
            <span>{t('uses.adjustHours', { duration: formatDuration(use.duration_s) })}</span>
          </label>
        )
      }
      onClose={onClose}
      onConfirm={async () => {
        await api.delete('/api/v1/uses/{id}', { path: { id: use.id }, query: { adjust_hours: adjust || undefined } });
        toast(t('common.deleted'));
        onDone();
      }}
    />
  );
}

function UseForm({ member, machineId, onClose, onSaved }: { member: Picked | null; machineId: string; onClose: () => void; onSaved: (u: Use) => void }) {
  const now = serverNow();
  const form = useForm({ member: member as Picked | null, machine_id: machineId, start: toLocalInput(now - 3600), end: toLocalInput(now) }, (v) => ({
    member: v.member ? undefined : t('err.chooseMember'),
    machine_id: v.machine_id ? undefined : t('err.chooseMachine'),
    ...timeErrors(v),
  }));
  const v = form.values;
  const submit = form.submit(async (v) => {
    onSaved(
      await api.post('/api/v1/uses', {
        body: { member_id: v.member!.id, machine_id: Number(v.machine_id), start: fromLocalInput(v.start)!, end: fromLocalInput(v.end) },
      }),
    );
  });
  return (
    <Dialog title={t('uses.add')} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <MemberPicker label={t('auth.member')} name="member_id" value={v.member} onChange={(p) => form.set('member', p)} error={form.errors.member ?? form.errors.member_id} />
        <MachineSelect label={t('auth.machine')} name="machine_id" value={v.machine_id} onChange={(x) => form.set('machine_id', x)} error={form.errors.machine_id} />
        <TextField label={t('uses.start')} name="start" type="datetime-local" value={v.start} onInput={(x) => form.set('start', x)} error={form.errors.start} />
        <TextField label={t('uses.end')} hint={t('uses.endHint')} name="end" type="datetime-local" value={v.end} onInput={(x) => form.set('end', x)} error={form.errors.end} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
