// Paging through a server list: "41–60 of 1 234", previous / next, page size.
import { formatNumber } from '../i18n/format';
import { t } from '../i18n';

export const PAGE_SIZES = [20, 50, 100];

export function Pager({
  total,
  limit,
  offset,
  onChange,
  label,
  sizes = true,
}: {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number, limit: number) => void;
  label: string;
  /** Offer the page-size choice. */
  sizes?: boolean;
}) {
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav class="pager" aria-label={label}>
      <span class="pager-range" aria-live="polite">
        {t('pager.range', { from: formatNumber(from), to: formatNumber(to), total: formatNumber(total) })}
      </span>
      <div class="pager-buttons">
        <button type="button" class="button" disabled={offset === 0} onClick={() => onChange(0, limit)} aria-label={t('pager.first')}>
          «
        </button>
        <button type="button" class="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit), limit)}>
          {t('pager.previous')}
        </button>
        <span class="pager-page">{t('pager.page', { page: formatNumber(page), pages: formatNumber(pages) })}</span>
        <button type="button" class="button" disabled={offset + limit >= total} onClick={() => onChange(offset + limit, limit)}>
          {t('pager.next')}
        </button>
        <button
          type="button"
          class="button"
          disabled={offset + limit >= total}
          onClick={() => onChange((pages - 1) * limit, limit)}
          aria-label={t('pager.last')}
        >
          »
        </button>
        {sizes && (
        <label class="pager-size">
          <span>{t('pager.size')}</span>
          <select value={String(limit)} onChange={(e) => onChange(0, Number((e.currentTarget as HTMLSelectElement).value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        )}
      </div>
    </nav>
  );
}
