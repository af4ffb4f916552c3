import type { ComponentChildren } from 'preact';
import { LangSwitch } from '../../App';

/** The frame of the pages shown without a session. */
export function AuthLayout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth" id="main">
      <div class="auth-lang">
        <LangSwitch />
      </div>
      <div class="auth-card">
        <p class="auth-brand">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <span>Fab-O-Matic</span>
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
