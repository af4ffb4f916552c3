// The board fleet: one row per board with its machine, serial, firmware, address, free heap, its
// broker connection (and MQTT account) or when it was last heard; a board that is not connected
// or runs an older firmware than the others stands out.
import type { components } from 'api-schema';
import { t } from '../../i18n';
import { formatDateTime, formatRelative } from '../../i18n/format';
import { href } from '../../router';
import { Badge } from '../../ui/StatusBadge';
import { DataTable, type Column } from '../../ui/Table';
import { formatBytes } from './format';

type FleetBoard = components['schemas']['FleetBoard'];

/** "1.2.10" > "1.2.9": numeric parts compared as numbers. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[^0-9]+/).filter(Boolean).map(Number);
  const pb = b.split(/[^0-9]+/).filter(Boolean).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function FleetTable({ boards, now }: { boards: FleetBoard[]; now: number }) {
  const newest = boards.reduce<string | null>((best, b) => (b.fw_version && (!best || compareVersions(b.fw_version, best) > 0) ? b.fw_version : best), null);
  const outdated = (b: FleetBoard) => Boolean(newest && b.fw_version && compareVersions(b.fw_version, newest) < 0);
  const columns: Column<FleetBoard>[] = [
    { id: 'machine', header: t('auth.machine'), render: (b) => <a href={href(`/machines/${b.machine_id}`)}>{b.machine_name || `#${b.machine_id}`}</a> },
    { id: 'serial', header: t('system.serial'), render: (b) => (b.serial ? <code>{b.serial}</code> : '—') },
    {
      id: 'fw',
      header: t('system.firmware'),
      render: (b) => (
        <>
          {b.fw_version || '—'} {outdated(b) && <Badge kind="warn">{t('system.outdated')}</Badge>}
        </>
      ),
    },
    { id: 'ip', header: t('system.ip'), render: (b) => b.ip_address || '—' },
    { id: 'heap', header: t('system.heap'), render: (b) => formatBytes(b.heap) },
    {
      id: 'link',
      header: t('system.link'),
      render: (b) =>
        b.mqtt_connected ? (
          <Badge kind="ok">{t('system.connected')}</Badge>
        ) : (
          <span title={formatDateTime(b.last_seen)}>
            <Badge kind="danger">{t('state.offline')}</Badge> {t('system.lastSeen', { when: formatRelative(b.last_seen, now) })}
          </span>
        ),
    },
    { id: 'account', header: t('system.account'), render: (b) => (b.mqtt_connected ? b.mqtt_account || t('system.noAccount') : '—') },
  ];
  return (
    <DataTable
      caption={t('system.fleet')}
      columns={columns}
      rows={boards}
      rowKey={(b) => b.id}
      rowClass={(b) => (!b.mqtt_connected || outdated(b) ? 'row-muted' : undefined)}
      empty={t('system.fleetEmpty')}
      testId="fleet"
    />
  );
}
