// The shell: the header with navigation, language switch and the user's menu; the page of the
// current route; sign-in pages when there is no session.
import { useEffect, useRef, useState } from 'preact/hooks';
import { effect } from '@preact/signals';
import { chooseLang, lang, LANGS, t, type Key, type Lang } from './i18n';
import { href, navigate, route } from './router';
import { expire, passwordChangeRequired, PUBLIC_ROUTES, session, sessionState, signOut } from './auth/session';
import { startLive, stopLive } from './live/live';
import { LiveIndicator } from './pages/dashboard/LiveIndicator';
import { Toasts } from './ui/toasts';
import { SignInPage } from './pages/signin/SignInPage';
import { ForgotPage } from './pages/signin/ForgotPage';
import { ResetPage } from './pages/signin/ResetPage';
import { SetupPage } from './pages/signin/SetupPage';
import { ChangePasswordPage } from './pages/signin/ChangePasswordPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { MembersPage } from './pages/members/MembersPage';
import { UnknownCardsPage } from './pages/members/UnknownCardsPage';
import { RolesPage } from './pages/roles/RolesPage';
import { MachineTypesPage } from './pages/machine-types/MachineTypesPage';
import { MachinesPage } from './pages/machines/MachinesPage';
import { MachinePage } from './pages/machines/MachinePage';
import { AuthorizationsPage } from './pages/authorizations/AuthorizationsPage';
import { PlansPage } from './pages/maintenance/PlansPage';
import { InterventionsPage } from './pages/maintenance/InterventionsPage';
import { UsesPage } from './pages/uses/UsesPage';
import { AuditPage } from './pages/audit/AuditPage';
import { MemberPage } from './pages/members/MemberPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { SystemPage } from './pages/system/SystemPage';

interface NavItem {
  path: string;
  label: Key;
  /** Other paths that highlight this item. */
  also?: string[];
}

const NAV: NavItem[] = [
  { path: '/', label: 'nav.dashboard' },
  { path: '/members', label: 'nav.members' },
  { path: '/unknown-cards', label: 'nav.unknownCards' },
  { path: '/machines', label: 'nav.machines' },
  { path: '/machine-types', label: 'nav.machineTypes' },
  { path: '/roles', label: 'nav.roles' },
  { path: '/authorizations', label: 'nav.authorizations' },
  { path: '/maintenance', label: 'nav.maintenance', also: ['/interventions'] },
  { path: '/uses', label: 'nav.uses' },
  { path: '/audit', label: 'nav.audit' },
  { path: '/system', label: 'nav.system' },
  { path: '/settings', label: 'nav.settings' },
];

function titleKey(path: string): Key {
  const first = `/${path.split('/')[1] ?? ''}`;
  if (first === '/') return 'nav.dashboard';
  return NAV.find((n) => n.path === first || n.also?.includes(first))?.label ?? 'nav.dashboard';
}

function Page() {
  const r = route.value;
  const [first, second] = r.parts;
  switch (first) {
    case undefined:
      return <DashboardPage />;
    case 'members':
      return second ? <MemberPage id={Number(second)} /> : <MembersPage />;
    case 'unknown-cards':
      return <UnknownCardsPage />;
    case 'roles':
      return <RolesPage />;
    case 'machine-types':
      return <MachineTypesPage />;
    case 'machines':
      return second ? <MachinePage id={Number(second)} /> : <MachinesPage />;
    case 'authorizations':
      return <AuthorizationsPage />;
    case 'maintenance':
      return <PlansPage />;
    case 'interventions':
      return <InterventionsPage />;
    case 'uses':
      return <UsesPage />;
    case 'audit':
      return <AuditPage />;
    case 'system':
      return <SystemPage />;
    case 'settings':
      return <SettingsPage />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <section class="page">
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <p>
        <a href="#/">{t('notFound.home')}</a>
      </p>
    </section>
  );
}

export function LangSwitch() {
  return (
    <label class="lang-switch">
      <span class="visually-hidden">{t('lang.label')}</span>
      <select value={lang.value} onChange={(e) => chooseLang((e.currentTarget as HTMLSelectElement).value as Lang)} data-testid="lang-switch">
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`lang.${l}` as Key)}
          </option>
        ))}
      </select>
    </label>
  );
}

function Shell() {
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const r = route.value;
  const current = `/${r.parts[0] ?? ''}`;
  // A new page: close the phone menu, move focus to the page for screen readers and keyboards.
  useEffect(() => {
    setMenuOpen(false);
    document.title = `${t(titleKey(r.path))} · Fab-O-Matic`;
  }, [r.path, lang.value]);
  // Escape closes the phone menu, as it closes a dialog.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const firstPage = useRef(true);
  useEffect(() => {
    // Not on the first page of the visit: there the skip link comes first for the keyboard.
    if (firstPage.current) firstPage.current = false;
    else main.current?.focus({ preventScroll: true });
  }, [current]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <a class="brand" href="#/" aria-label={`Fab-O-Matic · ${t('nav.dashboard')}`}>
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Fab-O-Matic</span>
        </a>
        <LiveIndicator />
        <div class="topbar-tools">
          <LangSwitch />
          <button
            type="button"
            class="button menu-button"
            aria-expanded={menuOpen ? 'true' : 'false'}
            aria-controls="nav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            {t('nav.menu')}
          </button>
        </div>
      </header>
      <nav id="nav" class={menuOpen ? 'sidebar open' : 'sidebar'} aria-label={t('nav.label')}>
        <ul>
          {NAV.map((item) => {
            const active = item.path === '/' ? current === '/' : current === item.path || item.also?.includes(current);
            return (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={active ? 'page' : undefined}>
                  {t(item.label)}
                </a>
              </li>
            );
          })}
        </ul>
        <div class="sidebar-user">
          <p class="muted" data-testid="signed-in-as">
            {t('user.signedInAs', { name: session.value?.user.name ?? '' })}
          </p>
          <a href="#/password">{t('user.changePassword')}</a>
          <button type="button" class="button" onClick={() => signOut()} data-testid="sign-out">
            {t('user.signOut')}
          </button>
        </div>
      </nav>
      <main id="main" class="content" tabIndex={-1} ref={main}>
        {r.path === '/password' ? <ChangePasswordPage /> : <Page />}
      </main>
    </div>
  );
}

// Follow the live status while signed in, and only then.
effect(() => {
  const state = sessionState.value;
  if (state === 'signed-in' && !passwordChangeRequired.value) startLive(expire);
  else if (state !== 'unknown') stopLive();
});

export function App() {
  const state = sessionState.value;
  const r = route.value;
  useEffect(() => {
    if (state === 'signed-out' && !PUBLIC_ROUTES.has(r.path)) {
      const qs = r.query.toString();
      const next = r.path === '/' && !qs ? '' : `?next=${encodeURIComponent(r.path + (qs ? `?${qs}` : ''))}`;
      navigate(`/signin${next}`, { replace: true });
    }
    if (state === 'signed-in' && passwordChangeRequired.value && r.path !== '/password') {
      navigate(`/password?next=${encodeURIComponent(r.query.get('next') ?? (PUBLIC_ROUTES.has(r.path) ? '/' : r.path))}`, { replace: true });
    }
    if (state === 'signed-in' && !passwordChangeRequired.value && PUBLIC_ROUTES.has(r.path) && r.path !== '/reset') {
      navigate(r.query.get('next') ?? '/', { replace: true });
    }
  }, [state, r.path, passwordChangeRequired.value]);

  let body;
  // The session check is one short request; until it answers nothing asks the API for data.
  if (state === 'unknown') body = <p class="loading-screen">{t('common.loading')}</p>;
  else if (r.path === '/reset') body = <ResetPage />;
  else if (r.path === '/forgot') body = <ForgotPage />;
  else if (r.path === '/setup' && state === 'signed-out') body = <SetupPage />;
  else if (state === 'signed-out') body = <SignInPage />;
  else if (passwordChangeRequired.value) body = <ChangePasswordPage forced />;
  else body = <Shell />;
  return (
    <>
      {body}
      <Toasts />
    </>
  );
}
