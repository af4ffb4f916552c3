// A table of one server page. On a phone each row becomes a card (CSS), labelled by its header.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

export interface Column<T> {
  id: string;
  header: string;
  render: (row: T) => ComponentChildren;
  class?: string;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowClass,
  loading,
  empty,
  testId,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (row: T) => string | number;
  rowClass?: (row: T) => string | undefined;
  loading?: boolean;
  empty?: string;
  testId?: string;
}) {
  return (
    <div class="table-wrap" aria-busy={loading ? 'true' : undefined}>
      <table class="table" data-testid={testId}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.id} scope="col" class={c.class}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows?.map((row) => (
            <tr key={rowKey(row)} class={rowClass?.(row)}>
              {columns.map((c) => (
                <td key={c.id} class={c.class} data-label={c.header}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows && rows.length === 0 && !loading && <p class="empty">{empty ?? t('common.empty')}</p>}
      {!rows && loading && <p class="empty">{t('common.loading')}</p>}
    </div>
  );
}
