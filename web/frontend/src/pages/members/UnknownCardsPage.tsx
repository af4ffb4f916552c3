// Recent taps of cards nobody owns; "convert to member" opens the member form with the card.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { UnknownCard } from '../../api/types';
import { t, tn } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { unknownCardTick } from '../../live/live';
import { route, setQuery } from '../../router';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { LoadError, PageHead } from '../../ui/Page';
import { Pager } from '../../ui/Pager';
import { DataTable, type Column } from '../../ui/Table';
import { toast } from '../../ui/toasts';
import { usePaged } from '../../ui/usePaged';
import { fullName } from '../../ui/format-member';
import { MemberForm } from './MemberForm';

export function UnknownCardsPage() {
  const q = route.value.query;
  const offset = Number(q.get('offset') ?? 0) || 0;
  const limit = Number(q.get('limit') ?? 50) || 50;
  const [converting, setConverting] = useState<UnknownCard | null>(null);
  const [deleting, setDeleting] = useState<UnknownCard | null>(null);
  const tick = unknownCardTick.value; // a new tap arrives: the list reloads by itself
  const { data, error, loading, reload } = usePaged((signal) => api.get('/api/v1/unknown-cards', { query: { limit, offset }, signal }), [offset, limit, tick]);
  const columns: Column<UnknownCard>[] = [
    { id: 'card', header: t('members.card'), render: (c) => <code>{c.card}</code> },
    { id: 'machine', header: t('unknown.machine'), render: (c) => c.machine_name || `#${c.machine_id}` },
    { id: 'when', header: t('unknown.when'), render: (c) => formatDateTime(c.timestamp) },
    {
      id: 'actions',
      header: t('common.actions'),
      class: 'actions',
      render: (c) => (
        <>
          <button type="button" class="button button-small button-primary" onClick={() => setConverting(c)} aria-label={t('unknown.convertNamed', { card: c.card })}>
            {t('unknown.convert')}
          </button>
          <button type="button" class="button button-small button-danger" onClick={() => setDeleting(c)} aria-label={t('unknown.deleteNamed', { card: c.card })}>
            {t('common.delete')}
          </button>
        </>
      ),
    },
  ];
  return (
    <section class="page">
      <PageHead title={t('nav.unknownCards')} sub={t('unknown.intro')} />
      <LoadError text={error} retry={reload} />
      <DataTable caption={t('nav.unknownCards')} columns={columns} rows={data?.items ?? null} rowKey={(c) => c.id} loading={loading} testId="unknown-table" empty={t('unknown.empty')} />
      {data && <Pager label={t('pager.label')} total={data.total} limit={limit} offset={offset} onChange={(o, l) => setQuery({ offset: o || null, limit: l === 50 ? null : l })} />}
      {converting && (
        <MemberForm
          tap={converting}
          onClose={() => setConverting(null)}
          onSaved={(m, removed, machine) => {
            const taps = tn('unknown.tapsRemoved', removed ?? 0);
            toast(machine ? t('unknown.convertedAuthorized', { name: fullName(m), machine, taps }) : t('unknown.converted', { name: fullName(m), taps }));
            setConverting(null);
            reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('unknown.deleteTitle', { card: deleting.card })}
          message={t('unknown.deleteText')}
          confirmLabel={t('common.delete')}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.delete('/api/v1/unknown-cards/{id}', { path: { id: deleting.id } });
            toast(t('common.deleted'));
            reload();
          }}
        />
      )}
    </section>
  );
}
