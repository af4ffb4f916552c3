// The one way to show text: t(key, values) over the typed catalogues. The browser's language
// decides at first; the switch in the page overrides it and is remembered in localStorage;
// <html lang> follows.
import { signal, effect } from '@preact/signals';
import { en, type Key } from './en';
import { it } from './it';

export type { Key } from './en';
export type Lang = 'en' | 'it';
export const LANGS: readonly Lang[] = ['en', 'it'];
const CATALOGUES: Record<Lang, Record<Key, string>> = { en, it };
const STORAGE_KEY = 'fabomatic.lang';

function storedLang(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'it' ? v : null;
  } catch {
    return null;
  }
}

export function browserLang(languages: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'it' || base === 'en') return base;
  }
  return 'en';
}

export const lang = signal<Lang>(storedLang() ?? browserLang());

/** The page's switch: remembered for the next visits. */
export function chooseLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

effect(() => {
  document.documentElement.lang = lang.value;
});

/** The locale for Intl: the browser's own variant of the chosen language (en-GB, it-CH…). */
export function locale(): string {
  const l = lang.value;
  for (const b of navigator.languages ?? [navigator.language]) if (b.toLowerCase().split('-')[0] === l) return b;
  return l;
}

export type Values = Record<string, string | number>;

/** The text of `key` in the current language, with {name} placeholders filled in. */
export function t(key: Key, values?: Values): string {
  const text: string = CATALOGUES[lang.value][key] ?? en[key] ?? key;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m));
}

type PluralBase<K> = K extends `${infer B}.one` ? (`${B}.other` extends Key ? B : never) : never;
export type PluralKey = PluralBase<Key>;

/** `key.one` or `key.other` by the language's plural rules; {count} is the formatted number. */
export function tn(base: PluralKey, count: number, values?: Values): string {
  const rule = new Intl.PluralRules(locale()).select(count) === 'one' ? 'one' : 'other';
  return t(`${base}.${rule}` as Key, { count: new Intl.NumberFormat(locale()).format(count), ...values });
}

/** Every key of both catalogues (the tests check that no raw key reaches the screen). */
export function allKeys(): Key[] {
  return Object.keys(en) as Key[];
}
