// First start (#/setup): nobody can sign in yet. The appliance wrote a one-time setup code in
// its log (and on its console); whoever holds it chooses the administrator's password here and
// is signed in with it.
import { useEffect, useState } from 'preact/hooks';
import { authApi } from '../../api/auth';
import { ApiError } from '../../api/client';
import { completeSetup } from '../../auth/session';
import { t } from '../../i18n';
import { FormError, TextField } from '../../ui/Field';
import { useForm } from '../../ui/useForm';
import { AuthLayout } from './AuthLayout';
import { MIN_PASSWORD } from './ChangePasswordPage';

export function SetupPage() {
  const [email, setEmail] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    document.title = `${t('setup.title')} · Fab-O-Matic`;
    authApi
      .setupState()
      .then((s) => (s.pending ? setEmail(s.email) : setDone(true)))
      .catch(() => setEmail(''));
  }, []);
  const form = useForm({ code: '', password: '', repeat: '' }, (v) => ({
    code: v.code.trim() ? undefined : t('err.required'),
    password: v.password.length < MIN_PASSWORD ? t('err.minLength', { a: MIN_PASSWORD }) : undefined,
    repeat: v.repeat !== v.password ? t('password.mismatch') : undefined,
  }));
  const submit = form.submit(async (v) => {
    try {
      await completeSetup(v.code.trim(), v.password);
      // App moves on to the portal: the answer signed the administrator in.
    } catch (e) {
      if (e instanceof ApiError && e.code === 'setup_done') {
        setDone(true);
        return;
      }
      if (e instanceof ApiError && e.status === 400 && e.fields?.code) throw new ApiError(400, 'x', t('setup.wrongCode'));
      throw e;
    }
  });
  if (done) {
    return (
      <AuthLayout title={t('setup.title')}>
        <p class="notice" role="status" data-testid="setup-done">
          {t('setup.done')}
        </p>
        <p class="auth-links">
          <a href="#/signin">{t('reset.toSignIn')}</a>
        </p>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t('setup.title')}>
      <p>{email ? t('setup.intro', { email }) : t('setup.introNoEmail')}</p>
      <form ref={form.formRef} onSubmit={submit} noValidate>
        <TextField
          label={t('setup.code')}
          name="code"
          autocomplete="off"
          value={form.values.code}
          onInput={(v) => form.set('code', v)}
          error={form.errors.code}
          hint={t('setup.codeHint')}
          data-autofocus
        />
        <TextField
          label={t('password.new')}
          name="password"
          type="password"
          autocomplete="new-password"
          value={form.values.password}
          onInput={(v) => form.set('password', v)}
          error={form.errors.password}
          hint={t('password.rule', { n: MIN_PASSWORD })}
        />
        <TextField
          label={t('password.repeat')}
          name="repeat"
          type="password"
          autocomplete="new-password"
          value={form.values.repeat}
          onInput={(v) => form.set('repeat', v)}
          error={form.errors.repeat}
        />
        <FormError text={form.formError} />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          {t('setup.submit')}
        </button>
      </form>
    </AuthLayout>
  );
}
