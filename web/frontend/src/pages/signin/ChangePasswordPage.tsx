// Choosing a new password: forced at the first sign-in (the seeded admin), or by choice.
import { authApi } from '../../api/auth';
import { passwordChanged, session, signOut } from '../../auth/session';
import { t } from '../../i18n';
import { navigate, route } from '../../router';
import { FormError, TextField } from '../../ui/Field';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { AuthLayout } from './AuthLayout';
import { MIN_PASSWORD, NewPasswordFields } from './NewPasswordFields';

export function ChangePasswordPage({ forced = false }: { forced?: boolean }) {
  const form = useForm({ current: '', new: '', repeat: '' }, (v) => ({
    current: v.current ? undefined : t('err.required'),
    new: v.new.length < MIN_PASSWORD ? t('err.minLength', { a: MIN_PASSWORD }) : v.new === v.current ? t('err.samePassword') : undefined,
    repeat: v.repeat !== v.new ? t('password.mismatch') : undefined,
  }));
  const submit = form.submit(async (v) => {
    await authApi.changePassword(v.current, v.new);
    passwordChanged();
    toast(t('password.changed'));
    navigate(route.value.query.get('next') ?? '/', { replace: true });
  });
  const body = (
    <form ref={form.formRef} onSubmit={submit} noValidate class="narrow-form">
      {forced && <p class="notice">{t('password.forcedIntro', { email: session.value?.user.email ?? '' })}</p>}
      <input type="email" name="username" autocomplete="username" value={session.value?.user.email ?? ''} hidden readOnly />
      <TextField
        label={t('password.current')}
        name="current"
        type="password"
        autocomplete="current-password"
        value={form.values.current}
        onInput={(v) => form.set('current', v)}
        error={form.errors.current}
      />
      <NewPasswordFields
        name="new"
        password={form.values.new}
        repeat={form.values.repeat}
        passwordError={form.errors.new}
        repeatError={form.errors.repeat}
        onPassword={(v) => form.set('new', v)}
        onRepeat={(v) => form.set('repeat', v)}
      />
      <FormError text={form.formError} />
      <div class="form-actions">
        {forced ? (
          <button type="button" class="button" onClick={() => signOut()}>
            {t('user.signOut')}
          </button>
        ) : (
          <a class="button" href="#/">
            {t('common.cancel')}
          </a>
        )}
        <button type="submit" class="button button-primary" disabled={form.busy}>
          {t('password.submit')}
        </button>
      </div>
    </form>
  );
  if (forced) return <AuthLayout title={t('password.title')}>{body}</AuthLayout>;
  return (
    <section class="page">
      <h1>{t('password.title')}</h1>
      {body}
    </section>
  );
}
