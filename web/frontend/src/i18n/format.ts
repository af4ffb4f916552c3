// Dates, times, numbers and durations in the current language, through Intl only.
import { lang, locale } from './index';

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  const k = `${lang.value}|${key}`;
  let f = cache.get(k) as T | undefined;
  if (!f) {
    f = make();
    cache.set(k, f);
  }
  return f;
}

/** Unix seconds → "6 Dec 2026, 14:05" (or the Italian form). */
export function formatDateTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return '—';
  return cached('dt', () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' })).format(
    new Date(seconds * 1000),
  );
}

export function formatDateTimeSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return '—';
  return cached('dts', () => new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium' })).format(
    new Date(seconds * 1000),
  );
}

export function formatTime(seconds: number): string {
  return cached('t', () => new Intl.DateTimeFormat(locale(), { timeStyle: 'short' })).format(new Date(seconds * 1000));
}

export function formatNumber(n: number, maximumFractionDigits = 0): string {
  return cached(`n${maximumFractionDigits}`, () => new Intl.NumberFormat(locale(), { maximumFractionDigits })).format(n);
}

/** "5 minutes ago", "in 2 hours"; `now` in unix seconds. */
export function formatRelative(seconds: number | null | undefined, now: number): string {
  if (seconds === null || seconds === undefined || seconds <= 0) return '—';
  const diff = seconds - now;
  const abs = Math.abs(diff);
  const rtf = cached('rel', () => new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' }));
  if (abs < 45) return rtf.format(Math.round(diff), 'second');
  if (abs < 2700) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 79200) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

/** A duration in seconds as "1 h 05 min" / "42 s" with the language's units. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const unit = (value: number, u: 'hour' | 'minute' | 'second') =>
    cached(`u-${u}`, () => new Intl.NumberFormat(locale(), { style: 'unit', unit: u, unitDisplay: 'narrow' })).format(value);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  if (m > 0) return `${unit(m, 'minute')} ${unit(sec, 'second')}`;
  return unit(sec, 'second');
}

export function formatHours(hours: number): string {
  return cached('h', () => new Intl.NumberFormat(locale(), { style: 'unit', unit: 'hour', unitDisplay: 'short', maximumFractionDigits: 1 })).format(hours);
}

/** Unix seconds → the value of an <input type="datetime-local"> in local time. */
export function toLocalInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The value of a datetime-local (or date) input → unix seconds, or null when empty/invalid. */
export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value.length === 10 ? `${value}T00:00` : value).getTime();
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export function toDateInput(seconds: number): string {
  return toLocalInput(seconds).slice(0, 10);
}

/** "2026-12-06" (a date input's local day) → unix seconds at its start, or at the start of the
 *  day `plusDays` later (the exclusive end of a "to" filter); undefined when not a date. */
export function dayStart(value: string, plusDays = 0): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).getTime() / 1000;
}
