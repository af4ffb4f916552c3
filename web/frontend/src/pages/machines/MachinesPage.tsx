// Machines with their maintenance state; boards that announced an unknown machine id.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate, useLookup } from '../../api/lookups';
import type { DiscoveredBoard, Machine } from '../../api/types';
import { t, tn } from '../../i18n';
import { formatDateTime, formatHours } from '../../i18n/format';
import { discoveredBoardTick } from '../../live/live';
import { href, route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { SearchBox } from '../../ui/SearchBox';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { usePaged } from '../../ui/usePaged';
import { machineConsequences } from './cascade';
import { MachineForm } from './MachineForm';
import { MqttAccessPanel } from './MqttAccessPanel';

export function MaintenanceSummary({ m }: { m: Machine }) {
  if (m.maintenance.length === 0) return <span class="muted">{t('machines.noPlans')}</span>;
  return (
    <ul class="plain-list">
      {m.maintenance.map((p) => (
        <li key={p.plan_id}>
          {p.due ? <Badge kind="danger">{t('plans.due')}</Badge> : <Badge kind="ok">{t('plans.ok')}</Badge>} {p.description}{' '}
          <span class="muted">
            ({formatHours(p.used_hours)} / {formatHours(p.hours_between)})
          </span>
        </li>
      ))}
    </ul>
  );
}

export function MachinesPage() {
  const q = route.value.query;
  const search = q.get('q') ?? '';
  const typeId = q.get('type') ?? '';
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const types = useLookup('types');
  const [editing, setEditing] = useState<Machine | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Machine | null>(null);
  const [creatingFor, setCreatingFor] = useState<DiscoveredBoard | null>(null);
  const [dismissing, setDismissing] = useState<DiscoveredBoard | null>(null);
  const { data, error, loading, reload } = usePaged(
    (signal) => api.get('/api/v1/machines', { query: { q: search || undefined, type_id: typeId ? Number(typeId) : undefined, limit, offset, sort: 'name' }, signal }),
    [search, typeId, offset, limit],
  );
  const tick = discoveredBoardTick.value;
  const discovered = usePaged((signal) => api.get('/api/v1/discovered-boards', { query: { limit: 100 }, signal }), [tick]);
  const columns: Column<Machine>[] = [
    {
      id: 'name',
      header: t('machines.name'),
      render: (m) => (
        <a href={href(`/machines/${m.id}`)}>
          <strong>{m.name}</strong>
        </a>
      ),
    },
    { id: 'type', header: t('machines.type'), render: (m) => m.type_name ?? '—' },
    { id: 'hours', header: t('machines.hours'), render: (m) => formatHours(m.hours) },
    { id: 'blocked', header: t('machines.state'), render: (m) => (m.blocked ? <Badge kind="danger">{t('state.blocked')}</Badge> : <Badge kind="ok">{t('machines.usable')}</Badge>) },
    { id: 'maintenance', header: t('nav.maintenance'), render: (m) => <MaintenanceSummary m={m} /> },
    { id: 'seen', header: t('dash.lastSeen'), render: (m) => formatDateTime(m.last_seen) },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (m) => (
        <>
          <a class="button button-small" href={href('/uses', { machine: m.id })} aria-label={t('machines.historyNamed', { name: m.name })}>
            {t('machines.history')}
          </a>
          <button type="button" class="button button-small" onClick={() => setEditing(m)} aria-label={t('common.editNamed', { name: m.name })}>
            {t('common.edit')}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(m)} aria-label={t('common.deleteNamed', { name: m.name })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  const boards = discovered.data?.items ?? [];
  return (
    <section class="page">
      <PageHead title={t('nav.machines')}>
        <button type="button" class="button button-primary" onClick={() => setEditing('new')}>
          {t('machines.add')}
        </button>
      </PageHead>
      <MqttAccessPanel />
      {boards.length > 0 && (
        <section class="panel" aria-labelledby="discovered-title" data-testid="discovered">
          <h2 id="discovered-title">{t('machines.discoveredTitle')}</h2>
          <p class="muted">{t('machines.discoveredIntro')}</p>
          <ul class="plain-list">
            {boards.map((b) => (
              <li key={b.machine_id} class="discovered-row">
                <span>
                  {t('machines.discoveredRow', { id: b.machine_id, ip: b.ip_address, when: formatDateTime(b.last_seen) })}
                  {b.fw_version && <span class="muted"> · {b.fw_version}</span>}
                </span>
                <span class="row-actions">
                  <button type="button" class="button button-small button-primary" onClick={() => setCreatingFor(b)}>
                    {t('machines.create')}
                  </button>
                  <button type="button" class="button button-small" onClick={() => setDismissing(b)}>
                    {t('machines.dismiss')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="filters">
        <SearchBox label={t('machines.search')} value={search} onChange={(v) => setQuery({ q: v, offset: null })} />
        <label class="field">
          <span>{t('machines.type')}</span>
          <select value={typeId} onChange={(e) => setQuery({ type: (e.currentTarget as HTMLSelectElement).value, offset: null })}>
            <option value="">{t('common.all')}</option>
            {types?.map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.machines')} columns={columns} rows={data?.items ?? null} rowKey={(m) => m.id} loading={loading} testId="machines-table" rowClass={(m) => (m.maintenance_due ? 'row-warn' : undefined)} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {(editing || creatingFor) && (
        <MachineForm
          machine={editing && editing !== 'new' ? editing : undefined}
          board={creatingFor ?? undefined}
          onClose={() => (setEditing(null), setCreatingFor(null))}
          onSaved={(m) => {
            toast(t('common.savedNamed', { name: m.name }));
            setEditing(null);
            setCreatingFor(null);
            invalidate('machines', 'types');
            reload();
            discovered.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('common.deleteTitle', { name: deleting.name })}
          message={t('machines.deleteText')}
          loadConsequences={() => machineConsequences(deleting.id)}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            const answer = await api.delete('/api/v1/machines/{id}', { path: { id: deleting.id } });
            toast(t('machines.deleted', { name: deleting.name, n: answer.removed.total }));
            invalidate('machines', 'types', 'plans');
            reload();
          }}
        />
      )}
      {dismissing && (
        <ConfirmDialog
          title={t('machines.dismissTitle', { id: dismissing.machine_id })}
          message={t('machines.dismissText')}
          confirmLabel={t('machines.dismiss')}
          onClose={() => setDismissing(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/discovered-boards/{id}', { path: { id: dismissing.machine_id } });
            discovered.reload();
          }}
        />
      )}
    </section>
  );
}

