// A form's values, its client-side checks, and the server's 400/409 field errors.
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { errorText, fieldErrors } from './errors';
import { focusFirstError } from './Field';

export type Errors<T> = Partial<Record<keyof T | string, string>>;

export function useForm<T extends Record<string, unknown>>(initial: T, validate: (v: T) => Errors<T>) {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<Errors<T>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const set = <K extends keyof T>(key: K, value: T[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key as string]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  /** Runs the checks, then `action`; shows the server's field errors next to the fields. */
  const submit = (action: (v: T) => Promise<void>) => async (event?: Event) => {
    event?.preventDefault();
    setFormError(null);
    const found = validate(values);
    const hasErrors = Object.values(found).some(Boolean);
    setErrors(found);
    if (hasErrors) {
      focusFirstError(formRef.current);
      return;
    }
    setBusy(true);
    try {
      await action(values);
    } catch (e) {
      const fields = fieldErrors(e);
      setErrors(fields as Errors<T>);
      // A field the form does not show, or none at all: say it above the buttons.
      const shown = Object.keys(fields).filter((k) => k in values);
      if (shown.length === 0 || !(e instanceof ApiError) || Object.keys(fields).length > shown.length) setFormError(errorText(e));
      else setFormError(null);
      focusFirstError(formRef.current);
    } finally {
      setBusy(false);
    }
  };

  return { values, set, setValues, errors, setErrors, formError, setFormError, busy, submit, formRef };
}
