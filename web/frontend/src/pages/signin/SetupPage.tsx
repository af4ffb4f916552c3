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
import { NewPasswordFields, newPasswordErrors } from './NewPasswordFields';

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
    ...newPasswordErrors(v.password, v.repeat),
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
        <NewPasswordFields
          name="password"
          password={form.values.password}
          repeat={form.values.repeat}
          passwordError={form.errors.password}
          repeatError={form.errors.repeat}
          onPassword={(v) => form.set('password', v)}
          onRepeat={(v) => form.set('repeat', v)}
        />
        <FormError text={form.formError} />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          {t('setup.submit')}
        </button>
      </form>
    </AuthLayout>
  );
}
