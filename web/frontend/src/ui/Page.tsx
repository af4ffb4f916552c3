import type { ComponentChildren } from 'preact';

export function PageHead({ title, children, sub }: { title: string; children?: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <p class="muted">{sub}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}

/** Tabs between sibling pages (e.g. plans / interventions): plain links, current marked. */
export function Tabs({ items, label }: { items: { href: string; label: string; current: boolean }[]; label: string }) {
  return (
    <nav class="tabs" aria-label={label}>
      {items.map((i) => (
        <a key={i.href} href={i.href} aria-current={i.current ? 'page' : undefined}>
          {i.label}
        </a>
      ))}
    </nav>
  );
}

export function LoadError({ text, retry }: { text: string | null; retry?: () => void }) {
  if (!text) return null;
  return (
    <div class="form-error" role="alert">
      {text}{' '}
      {retry && (
        <button type="button" class="link-button" onClick={retry}>
          {/* the caller's text is already translated; the retry label comes from the catalogue */}
          <RetryLabel />
        </button>
      )}
    </div>
  );
}

import { t } from '../i18n';
function RetryLabel() {
  return <>{t('common.retry')}</>;
}
