// One machine: its live state, maintenance per plan, board, and links to its history.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { invalidate } from '../../api/lookups';
import { t, tn } from '../../i18n';
import { formatDateTime, formatHours, formatNumber } from '../../i18n/format';
import { machineSignal } from '../../live/live';
import { href, navigate } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { LoadError, PageHead } from '../../ui/Page';
import { ExportButtons } from '../../ui/ExportButtons';
import { Badge, StatusBadge } from '../../ui/StatusBadge';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/usePaged';
import { BoardAccountPanel } from './BoardAccountPanel';
import { machineConsequences } from './cascade';
import { MachineForm } from './MachineForm';

export function MachinePage({ id }: { id: number }) {
  const machine = useLoad((signal) => api.get('/api/v1/machines/{id}', { path: { id }, signal }), [id]);
  const boards = useLoad((signal) => api.get('/api/v1/boards', { query: { machine_id: id }, signal }), [id]);
  const uses = useLoad((signal) => api.get('/api/v1/uses', { query: { machine_id: id, limit: 1 }, signal }), [id]);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const live = machineSignal(id)?.value;
  const m = machine.data;
  if (!Number.isInteger(id) || id < 1) return <LoadError text={t('err.notFound')} />;
  return (
    <section class="page">
      <p>
        <a href="#/machines">← {t('machines.back')}</a>
      </p>
      <LoadError text={machine.error} retry={machine.reload} />
      {m && (
        <>
          <PageHead title={m.name} sub={m.type_name ?? t('machines.noType')}>
            <ExportButtons path="/api/v1/uses/export" what={t('nav.uses')} query={{ machine_id: id }} testId="export-machine-uses" />
            <button type="button" class="button" onClick={() => setEditing(true)}>
              {t('common.edit')}
            </button>
            <button type="button" class="button button-danger" onClick={() => setDeleting(true)}>
              {t('common.delete')}
            </button>
          </PageHead>
          <div class="detail-grid">
            <section class="panel" aria-labelledby="m-state">
              <h2 id="m-state">{t('machines.now')}</h2>
              <dl class="facts">
                <dt>{t('machines.state')}</dt>
                <dd>{live ? <StatusBadge state={live.state} /> : '—'}</dd>
                {live?.member_name && (
                  <>
                    <dt>{t('dash.member')}</dt>
                    <dd>{live.member_name}</dd>
                  </>
                )}
                <dt>{t('machines.hours')}</dt>
                <dd>{formatHours(m.hours)}</dd>
                <dt>{t('dash.lastSeen')}</dt>
                <dd>{formatDateTime(m.last_seen)}</dd>
                <dt>{t('machines.blocked')}</dt>
                <dd>{m.blocked ? t('common.yes') : t('common.no')}</dd>
              </dl>
              <ul class="plain-list links">
                <li>
                  <a href={href('/uses', { machine: id })}>
                    {t('machines.history')} ({uses.data ? formatNumber(uses.data.total) : '…'})
                  </a>
                </li>
                <li>
                  <a href={href('/authorizations', { machine: id })}>{t('nav.authorizations')}</a>
                </li>
                <li>
                  <a href={href('/interventions', { machine: id })}>{t('plans.interventions')}</a>
                </li>
              </ul>
            </section>
            <section class="panel" aria-labelledby="m-maint">
              <h2 id="m-maint">{t('nav.maintenance')}</h2>
              {m.maintenance.length === 0 && <p class="muted">{t('machines.noPlans')}</p>}
              <ul class="plain-list">
                {m.maintenance.map((p) => (
                  <li key={p.plan_id} class="plan-row" data-testid="plan-state">
                    {p.due ? <Badge kind="danger">{t('plans.due')}</Badge> : <Badge kind="ok">{t('plans.ok')}</Badge>} <strong>{p.description}</strong>
                    <br />
                    <span class="muted">{t('plans.usedOf', { used: formatHours(p.used_hours), between: formatHours(p.hours_between) })}</span>
                  </li>
                ))}
              </ul>
              <p>
                <a href={href('/maintenance', { machine: id })}>{t('machines.managePlans')}</a>
              </p>
            </section>
            <section class="panel" aria-labelledby="m-board">
              <h2 id="m-board">{t('machines.board')}</h2>
              {boards.data?.items.length === 0 && <p class="muted">{t('machines.noBoard')}</p>}
              {boards.data?.items.map((b) => (
                <dl class="facts" key={b.id}>
                  <dt>{t('dash.ip')}</dt>
                  <dd>{b.ip_address}</dd>
                  <dt>{t('machines.firmware')}</dt>
                  <dd>{b.fw_version}</dd>
                  <dt>{t('machines.serial')}</dt>
                  <dd>{b.serial ?? '—'}</dd>
                  <dt>{t('machines.heap')}</dt>
                  <dd>{b.heap === null ? '—' : tn('count.bytes', b.heap)}</dd>
                  <dt>{t('dash.lastSeen')}</dt>
                  <dd>
                    {formatDateTime(b.last_seen)} {b.online ? <Badge kind="ok">{t('machines.online')}</Badge> : <Badge kind="muted">{t('state.offline')}</Badge>}
                  </dd>
                </dl>
              ))}
            </section>
            <BoardAccountPanel machineId={id} machineName={m.name} />
          </div>
          {editing && (
            <MachineForm
              machine={m}
              onClose={() => setEditing(false)}
              onSaved={(x) => {
                toast(t('common.savedNamed', { name: x.name }));
                setEditing(false);
                invalidate('machines');
                machine.reload();
              }}
            />
          )}
          {deleting && (
            <ConfirmDialog
              title={t('common.deleteTitle', { name: m.name })}
              message={t('machines.deleteText')}
              loadConsequences={() => machineConsequences(id)}
              confirmLabel={t('common.delete')}
              onClose={() => setDeleting(false)}
              onConfirm={async () => {
                await api.delete('/api/v1/machines/{id}', { path: { id } });
                toast(t('common.deletedNamed', { name: m.name }));
                invalidate('machines', 'plans');
                navigate('/machines');
              }}
            />
          )}
        </>
      )}
    </section>
  );
}
