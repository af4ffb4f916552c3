// Form fields with their label, hint and error (tied by aria-describedby / aria-invalid).
import type { ComponentChildren, JSX } from 'preact';
import { useRef } from 'preact/hooks';
import { t } from '../i18n';

let ids = 0;
function useId(prefix: string): string {
  return useRef(`${prefix}-${++ids}`).current;
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'label' | 'type' | 'name'>;

export function TextField({
  label,
  name,
  value,
  onInput,
  error,
  hint,
  type = 'text',
  ...rest
}: {
  label: ComponentChildren;
  name: string;
  value: string;
  onInput: (v: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: string;
} & InputProps) {
  const id = useId(`f-${name}`);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
        {...rest}
      />
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

export function SelectField({
  label,
  name,
  value,
  onChange,
  error,
  hint,
  children,
  ...rest
}: {
  label: ComponentChildren;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  hint?: string;
  children: ComponentChildren;
} & Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'label' | 'name'>) {
  const id = useId(`f-${name}`);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
        {...rest}
      >
        {children}
      </select>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

export function CheckField({
  label,
  name,
  checked,
  onChange,
  error,
  hint,
  disabled,
}: {
  label: ComponentChildren;
  name: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  error?: string | undefined;
  hint?: string;
  disabled?: boolean;
}) {
  const id = useId(`f-${name}`);
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field field-check field-invalid' : 'field field-check'}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => onChange((e.currentTarget as HTMLInputElement).checked)}
        aria-describedby={described}
        aria-invalid={error ? 'true' : undefined}
      />
      <label for={id}>{label}</label>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A form's error line and its Cancel / submit buttons (the submit label defaults to Save). */
export function FormActions({ error, busy, onCancel, submit }: { error: string | null; busy: boolean; onCancel: () => void; submit?: string }) {
  return (
    <>
      <FormError text={error} />
      <div class="form-actions">
        <button type="button" class="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="button button-primary" disabled={busy}>
          {submit ?? t('common.save')}
        </button>
      </div>
    </>
  );
}

/** The form-level error (not tied to one field). */
export function FormError({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p class="form-error" role="alert">
      {text}
    </p>
  );
}

/** Moves the focus to the first field showing an error (after a refused submit). */
export function focusFirstError(form: HTMLElement | null): void {
  requestAnimationFrame(() => {
    const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  });
}
