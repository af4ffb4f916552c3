// "Export: CSV · Excel" next to a list: plain links to the list's export route with the page's
// filters and the page's language for the headings; the browser downloads the file the
// appliance streams (the session cookie goes with the link, nothing is held in the page).
import { lang, t } from '../i18n';

type Query = Record<string, string | number | boolean | undefined | null>;

export function exportHref(path: string, format: 'csv' | 'xlsx', query: Query = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '' && v !== false) qs.set(k, String(v));
  qs.set('format', format);
  qs.set('lang', lang.value);
  return `${path}?${qs.toString()}`;
}

export function ExportButtons({ path, query, what, testId }: { path: string; query?: Query; what: string; testId?: string }) {
  return (
    <div class="export-buttons" role="group" aria-label={t('export.label')} data-testid={testId}>
      <span class="muted">{t('export.label')}</span>
      <a class="button button-small" href={exportHref(path, 'csv', query)} download title={t('export.csvNamed', { what })}>
        {t('export.csv')}
      </a>
      <a class="button button-small" href={exportHref(path, 'xlsx', query)} download title={t('export.xlsxNamed', { what })}>
        {t('export.xlsx')}
      </a>
    </div>
  );
}
