import { useState } from 'preact/hooks';
import { authApi } from '../../api/auth';
import { t } from '../../i18n';
import { FormError, TextField } from '../../ui/Field';
import { useForm } from '../../ui/useForm';
import { AuthLayout } from './AuthLayout';

export function ForgotPage() {
  const [sent, setSent] = useState(false);
  const form = useForm({ email: '' }, (v) => ({
    email: !v.email.trim() ? t('err.required') : /^[^@\s]+@[^@\s]+$/.test(v.email.trim()) ? undefined : t('err.email'),
  }));
  const submit = form.submit(async (v) => {
    await authApi.forgot(v.email.trim());
    setSent(true);
  });
  return (
    <AuthLayout title={t('forgot.title')}>
      {sent ? (
        <p class="notice" role="status" data-testid="forgot-sent">
          {t('forgot.sent')}
        </p>
      ) : (
        <form ref={form.formRef} onSubmit={submit} noValidate>
          <p>{t('forgot.intro')}</p>
          <TextField
            label={t('signin.email')}
            name="email"
            type="email"
            autocomplete="username"
            value={form.values.email}
            onInput={(v) => form.set('email', v)}
            error={form.errors.email}
          />
          <FormError text={form.formError} />
          <button type="submit" class="button button-primary button-block" disabled={form.busy}>
            {t('forgot.submit')}
          </button>
        </form>
      )}
      <p class="auth-links">
        <a href="#/signin">{t('forgot.back')}</a>
      </p>
    </AuthLayout>
  );
}
