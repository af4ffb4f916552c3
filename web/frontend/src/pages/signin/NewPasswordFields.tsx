// The new password and its repetition, as the first-start, reset and change-password pages ask
// for them: the same fields, hint and checks on all three.
import { t } from '../../i18n';
import { TextField } from '../../ui/Field';

export const MIN_PASSWORD = 8;

/** The client-side checks of the pair (the server checks the length again). */
export function newPasswordErrors(password: string, repeat: string): { password?: string; repeat?: string } {
  return {
    password: password.length < MIN_PASSWORD ? t('err.minLength', { a: MIN_PASSWORD }) : undefined,
    repeat: repeat !== password ? t('password.mismatch') : undefined,
  };
}

export function NewPasswordFields({
  name,
  password,
  repeat,
  passwordError,
  repeatError,
  onPassword,
  onRepeat,
}: {
  /** The form field of the new password (the server's name for it: "password" or "new"). */
  name: string;
  password: string;
  repeat: string;
  passwordError?: string;
  repeatError?: string;
  onPassword: (v: string) => void;
  onRepeat: (v: string) => void;
}) {
  return (
    <>
      <TextField
        label={t('password.new')}
        name={name}
        type="password"
        autocomplete="new-password"
        value={password}
        onInput={onPassword}
        error={passwordError}
        hint={t('password.rule', { n: MIN_PASSWORD })}
      />
      <TextField label={t('password.repeat')} name="repeat" type="password" autocomplete="new-password" value={repeat} onInput={onRepeat} error={repeatError} />
    </>
  );
}
