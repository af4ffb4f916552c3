// The page of the link in the password-reset mail: #/reset?token=… (the token stays in the
// hash, so no server log ever sees it).
import { useState } from 'preact/hooks';
import { authApi } from '../../api/auth';
import { ApiError } from '../../api/client';
import { t } from '../../i18n';
import { route } from '../../router';
import { FormError } from '../../ui/Field';
import { useForm } from '../../ui/useForm';
import { AuthLayout } from './AuthLayout';
import { NewPasswordFields, newPasswordErrors } from './NewPasswordFields';

export function ResetPage() {
  const token = route.value.query.get('token') ?? '';
  const [done, setDone] = useState(false);
  const form = useForm({ password: '', repeat: '' }, (v) => ({
    ...newPasswordErrors(v.password, v.repeat),
  }));
  const submit = form.submit(async (v) => {
    try {
      await authApi.reset(token, v.password);
      setDone(true);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_token') throw new ApiError(400, 'x', t('reset.invalidLink'));
      throw e;
    }
  });
  if (!token) {
    return (
      <AuthLayout title={t('reset.title')}>
        <p class="form-error" role="alert">
          {t('reset.invalidLink')}
        </p>
        <p class="auth-links">
          <a href="#/forgot">{t('reset.askAgain')}</a>
        </p>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t('reset.title')}>
      {done ? (
        <>
          <p class="notice" role="status" data-testid="reset-done">
            {t('reset.done')}
          </p>
          <p class="auth-links">
            <a href="#/signin">{t('reset.toSignIn')}</a>
          </p>
        </>
      ) : (
        <form ref={form.formRef} onSubmit={submit} noValidate>
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
          {form.formError === t('reset.invalidLink') && (
            <p>
              <a href="#/forgot">{t('reset.askAgain')}</a>
            </p>
          )}
          <button type="submit" class="button button-primary button-block" disabled={form.busy}>
            {t('reset.submit')}
          </button>
        </form>
      )}
    </AuthLayout>
  );
}
