import { authApi } from '../../api/auth';
import { ApiError } from '../../api/client';
import { signIn, signOutReason } from '../../auth/session';
import { t } from '../../i18n';
import { FormError, TextField } from '../../ui/Field';
import { useForm } from '../../ui/useForm';
import { AuthLayout } from './AuthLayout';
import { useEffect, useState } from 'preact/hooks';

export function SignInPage() {
  const form = useForm({ email: '', password: '' }, (v) => ({
    email: v.email.trim() ? undefined : t('err.required'),
    password: v.password ? undefined : t('err.required'),
  }));
  const reason = signOutReason.value;
  const [setupPending, setSetupPending] = useState(false);
  useEffect(() => {
    document.title = `${t('signin.title')} · Fab-O-Matic`;
  });
  useEffect(() => {
    // First start: nobody can sign in until the setup code sets the administrator's password.
    authApi
      .setupState()
      .then((s) => setSetupPending(s.pending))
      .catch(() => setSetupPending(false));
  }, []);
  const submit = form.submit(async (v) => {
    try {
      await signIn(v.email.trim(), v.password);
      // App moves on: to the password change, or back to where the user was.
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new ApiError(401, 'x', t('signin.wrong'));
      if (e instanceof ApiError && e.status === 403) throw new ApiError(403, 'x', t('signin.notAllowed'));
      throw e;
    }
  });
  return (
    <AuthLayout title={t('signin.title')}>
      {setupPending && (
        <p class="notice" role="status" data-testid="setup-pending">
          {t('setup.pending')} <a href="#/setup">{t('setup.link')}</a>
        </p>
      )}
      {reason === 'expired' && (
        <p class="notice" role="status">
          {t('signin.expired')}
        </p>
      )}
      {reason === 'restored' && (
        <p class="notice" role="status" data-testid="restored-notice">
          {t('signin.restored')}
        </p>
      )}
      {reason === 'signed-out' && (
        <p class="notice" role="status">
          {t('signin.signedOut')}
        </p>
      )}
      <form ref={form.formRef} onSubmit={submit} noValidate>
        <TextField
          label={t('signin.email')}
          name="email"
          type="email"
          autocomplete="username"
          value={form.values.email}
          onInput={(v) => form.set('email', v)}
          error={form.errors.email}
          data-autofocus
        />
        <TextField
          label={t('signin.password')}
          name="password"
          type="password"
          autocomplete="current-password"
          value={form.values.password}
          onInput={(v) => form.set('password', v)}
          error={form.errors.password}
        />
        <FormError text={form.formError} />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          {t('signin.submit')}
        </button>
      </form>
      <p class="auth-links">
        <a href="#/forgot">{t('signin.forgot')}</a>
      </p>
    </AuthLayout>
  );
}
