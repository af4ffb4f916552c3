// One machine, many members: pick members from a searchable, paged list, or all that match.
import { useState } from 'preact/hooks';
import { api, fetchAll } from '../../api/client';
import { t, tn } from '../../i18n';
import { formatNumber } from '../../i18n/format';
import { Dialog } from '../../ui/Dialog';
import { FormActions } from '../../ui/Field';
import { MachineSelect } from '../../ui/MachineSelect';
import { Pager } from '../../ui/Pager';
import { SearchBox } from '../../ui/SearchBox';
import { errorText } from '../../ui/errors';
import { fullName } from '../../ui/format-member';
import { toast } from '../../ui/toasts';
import { usePaged } from '../../ui/usePaged';

const PAGE = 20;

export function BulkDialog({ machineId, onClose, onDone }: { machineId: string; onClose: () => void; onDone: () => void }) {
  const [machine, setMachine] = useState(machineId);
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [errors, setErrors] = useState<{ machine?: string; members?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const page = usePaged((signal) => api.get('/api/v1/members', { query: { q: search || undefined, disabled: false, limit: PAGE, offset, sort: 'name' }, signal }), [search, offset]);
  const items = page.data?.items ?? [];
  const allOnPage = items.length > 0 && items.every((m) => selected.has(m.id));

  const toggle = (id: number, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
    setErrors((e) => ({ ...e, members: undefined }));
  };
  const selectAllMatching = async () => {
    setBusy(true);
    try {
      const all = await fetchAll((limit, off) => api.get('/api/v1/members', { query: { q: search || undefined, disabled: false, limit, offset: off } }));
      setSelected(new Set([...selected, ...all.map((m) => m.id)]));
      setErrors((e) => ({ ...e, members: undefined }));
    } catch (e) {
      setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const found = { machine: machine ? undefined : t('err.chooseMachine'), members: selected.size ? undefined : t('err.chooseMembers') };
    setErrors(found);
    if (found.machine || found.members) return;
    setBusy(true);
    setFormError(null);
    try {
      const r = await api.post('/api/v1/authorizations/bulk', { body: { machine_id: Number(machine), member_ids: [...selected] } });
      toast(t('auth.bulkDone', { added: formatNumber(r.added), skipped: formatNumber(r.skipped) }));
      onDone();
    } catch (err) {
      setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('auth.bulkTitle')} onClose={onClose} wide>
      <form onSubmit={submit} noValidate class="form-grid">
        <MachineSelect label={t('auth.machine')} name="machine_id" value={machine} onChange={setMachine} error={errors.machine} />
        <fieldset class="bulk-members" aria-describedby={errors.members ? 'bulk-members-error' : undefined}>
          <legend>{t('auth.bulkMembers')}</legend>
          <SearchBox
            label={t('members.search')}
            value={search}
            onChange={(v) => {
              setSearch(v);
              setOffset(0);
            }}
          />
          <div class="bulk-tools">
            <label class="check-inline">
              <input
                type="checkbox"
                checked={allOnPage}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  const next = new Set(selected);
                  for (const m of items) on ? next.add(m.id) : next.delete(m.id);
                  setSelected(next);
                }}
                data-testid="select-page"
              />
              <span>{t('auth.selectPage')}</span>
            </label>
            <button type="button" class="button button-small" onClick={selectAllMatching} disabled={busy || !page.data} data-testid="select-all">
              {t('auth.selectAll', { n: formatNumber(page.data?.total ?? 0) })}
            </button>
            <button type="button" class="button button-small" onClick={() => setSelected(new Set())} disabled={selected.size === 0}>
              {t('auth.selectNone')}
            </button>
          </div>
          <ul class="check-list">
            {items.map((m) => (
              <li key={m.id}>
                <label class="check-inline">
                  <input type="checkbox" checked={selected.has(m.id)} onChange={(e) => toggle(m.id, (e.currentTarget as HTMLInputElement).checked)} />
                  <span>
                    {fullName(m)} {m.card && <code class="muted">{m.card}</code>}
                  </span>
                </label>
              </li>
            ))}
          </ul>
          {page.data && <Pager label={t('pager.label')} total={page.data.total} limit={PAGE} offset={offset} onChange={(o) => setOffset(o)} sizes={false} />}
          <p class="muted" aria-live="polite" data-testid="selected-count">
            {tn('auth.selected', selected.size)}
          </p>
          {errors.members && (
            <p class="field-error" id="bulk-members-error">
              {errors.members}
            </p>
          )}
        </fieldset>
        <FormActions error={formError} busy={busy} onCancel={onClose} submit={t('auth.authorize')} />
      </form>
    </Dialog>
  );
}
