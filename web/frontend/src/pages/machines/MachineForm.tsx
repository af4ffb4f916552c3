// Add or edit a machine; with `board`, create the machine a discovered board announced.
import { api } from '../../api/client';
import { useLookup } from '../../api/lookups';
import type { DiscoveredBoard, Machine } from '../../api/types';
import { t } from '../../i18n';
import { Dialog } from '../../ui/Dialog';
import { CheckField, FormActions, SelectField, TextField } from '../../ui/Field';
import { useForm } from '../../ui/useForm';

export function MachineForm({
  machine,
  board,
  onClose,
  onSaved,
}: {
  machine?: Machine;
  board?: DiscoveredBoard;
  onClose: () => void;
  onSaved: (m: Machine) => void;
}) {
  const types = useLookup('types');
  const loadedHours = machine ? String(Math.round(machine.hours * 100) / 100) : '0';
  const form = useForm(
    {
      name: machine?.name ?? '',
      type_id: machine?.type_id ? String(machine.type_id) : '',
      hours: loadedHours,
      blocked: machine?.blocked ?? false,
    },
    (v) => ({
      name: v.name.trim() ? (v.name.trim().length > 100 ? t('err.maxLength', { a: 100 }) : undefined) : t('err.required'),
      hours: /^\d+([.,]\d+)?$/.test(v.hours.trim()) ? undefined : t('err.number'),
    }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    // The hour counter runs while the form is open (a use that ends adds to it): sent only when
    // the admin changed it, so a save does not put back the hours the form was opened with.
    const hoursChanged = !machine || v.hours.trim() !== loadedHours;
    const body = {
      name: v.name.trim(),
      type_id: v.type_id ? Number(v.type_id) : null,
      ...(hoursChanged ? { hours: Number(v.hours.trim().replace(',', '.')) } : {}),
      blocked: v.blocked,
    };
    if (board) onSaved(await api.post('/api/v1/discovered-boards/{id}/machine', { path: { id: board.machine_id }, body }));
    else if (machine) onSaved(await api.patch('/api/v1/machines/{id}', { path: { id: machine.id }, body }));
    else onSaved(await api.post('/api/v1/machines', { body }));
  });
  const title = board ? t('machines.createForBoard', { id: board.machine_id }) : machine ? t('common.editTitle', { name: machine.name }) : t('machines.add');
  return (
    <Dialog title={title} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        {board && <p class="notice">{t('machines.boardNotice', { id: board.machine_id, ip: board.ip_address })}</p>}
        <TextField label={t('machines.name')} name="name" value={v.name} onInput={(x) => form.set('name', x)} error={form.errors.name} data-autofocus autocomplete="off" />
        <SelectField label={t('machines.type')} name="type_id" value={v.type_id} onChange={(x) => form.set('type_id', x)} error={form.errors.type_id}>
          <option value="">{t('machines.noType')}</option>
          {types?.map((x) => (
            <option key={x.id} value={String(x.id)}>
              {x.name}
            </option>
          ))}
        </SelectField>
        <TextField label={t('machines.hours')} hint={t('machines.hoursHint')} name="hours" inputMode="decimal" value={v.hours} onInput={(x) => form.set('hours', x)} error={form.errors.hours} />
        <CheckField label={t('machines.blocked')} hint={t('machines.blockedHint')} name="blocked" checked={v.blocked} onChange={(x) => form.set('blocked', x)} error={form.errors.blocked} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} submit={board ? t('machines.create') : t('common.save')} />
      </form>
    </Dialog>
  );
}
