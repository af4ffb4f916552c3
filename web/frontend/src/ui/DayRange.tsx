// A list's filter by days, kept in the URL (?from=2026-12-01&to=2026-12-06): two date inputs in
// the browser's time zone, the "to" day included.
import { t } from '../i18n';
import { dayStart } from '../i18n/format';
import { route, setQuery } from '../router';

export interface DayRangeValue {
  from: string;
  to: string;
  /** "to" before "from": the page says so (and the list is empty). */
  bad: boolean;
  /** Unix seconds: the start of the "from" day, and the end of the "to" day (exclusive). */
  since: number | undefined;
  before: number | undefined;
}

export function useDayRange(): DayRangeValue {
  const q = route.value.query;
  const from = q.get('from') ?? '';
  const to = q.get('to') ?? '';
  return { from, to, bad: Boolean(from && to && to < from), since: dayStart(from), before: dayStart(to, 1) };
}

export function DayRangeFields({ range }: { range: DayRangeValue }) {
  return (
    <>
      <label class="field">
        <span>{t('common.fromDay')}</span>
        <input type="date" name="from" value={range.from} onChange={(e) => setQuery({ from: (e.currentTarget as HTMLInputElement).value, offset: null })} />
      </label>
      <label class="field">
        <span>{t('common.toDay')}</span>
        <input type="date" name="to" value={range.to} onChange={(e) => setQuery({ to: (e.currentTarget as HTMLInputElement).value, offset: null })} aria-invalid={range.bad ? 'true' : undefined} />
      </label>
    </>
  );
}

export function DayRangeError({ range }: { range: DayRangeValue }) {
  return range.bad ? <p class="form-error">{t('common.badRange')}</p> : null;
}
