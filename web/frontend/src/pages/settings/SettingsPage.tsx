// The settings editor: the values of settings.toml by section, each marked as applying at once
// or after a restart; secrets are never shown (typing a new one replaces it). Only what changed
// is sent; the server checks it with the code that reads the file at start and keeps the
// previous file. Mail tools (SMTP test, weekly summary) sit under the e-mail settings.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { components } from 'api-schema';
import { api, ApiError } from '../../api/client';
import { t, type Key } from '../../i18n';
import { href } from '../../router';
import { CheckField, FormError, SelectField, TextField } from '../../ui/Field';
import { errorText, fieldErrors } from '../../ui/errors';
import { LoadError, PageHead } from '../../ui/Page';
import { Badge } from '../../ui/StatusBadge';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/usePaged';
import { MailTools } from './MailTools';

type Field = components['schemas']['SettingField'];
type Values = Record<string, string | boolean>;

function initialValue(f: Field): string | boolean {
  if (f.kind === 'boolean') return f.value === true;
  if (f.kind === 'secret') return '';
  return f.value === null || f.value === undefined ? '' : String(f.value);
}

/** The text of `key`; `fallback` when the catalogue has none (a setting of a newer server). */
function known(key: string, fallback: string): string {
  const text = t(key as Key);
  return text === key ? fallback : text;
}

function sectionTitle(section: string): string {
  return known(`settings.section.${section}`, section);
}

/** A setting's label, by its "<section>.<key>" name. */
function settingLabel(name: string): string {
  return known(`settings.key.${name}`, name.slice(name.indexOf('.') + 1));
}

/** Where the labels of a choice's values are (the value sent stays the server's word). */
const CHOICE_PREFIX: Record<string, string> = {
  'weekly_summary.language': 'lang.',
  'weekly_summary.day': 'mail.day.',
  'backend.log_level': 'log.level.',
};

function choiceLabel(name: string, value: string): string {
  const prefix = CHOICE_PREFIX[name];
  return prefix ? known(`${prefix}${value}`, value) : value;
}

export function SettingsPage() {
  const loaded = useLoad((signal) => api.get('/api/v1/settings', { signal }), []);
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<components['schemas']['SettingsSaved'] | null>(null);
  const [busy, setBusy] = useState(false);
  // The values a save sent, until the reload after it arrives: a field whose value differs from
  // what was sent was typed into meanwhile and keeps what the user typed.
  const sent = useRef<Values | null>(null);
  const view = loaded.data;
  useEffect(() => {
    if (!view) return;
    const sentValues = sent.current;
    sent.current = null;
    setValues((old) => {
      const v: Values = {};
      for (const f of view.fields) {
        const now = old[f.name];
        const typed = sentValues !== null && now !== undefined && now !== sentValues[f.name];
        v[f.name] = typed ? now : initialValue(f);
      }
      return v;
    });
  }, [view]);
  if (!view) return <section class="page"><PageHead title={t('nav.settings')} /><LoadError text={loaded.error} retry={loaded.reload} /></section>;

  const sections: { name: string; fields: Field[] }[] = [];
  for (const f of view.fields) {
    let s = sections.find((x) => x.name === f.section);
    if (!s) sections.push((s = { name: f.section, fields: [] }));
    s.fields.push(f);
  }
  const changes = (): Record<string, string | number | boolean> => {
    const out: Record<string, string | number | boolean> = {};
    for (const f of view.fields) {
      const v = values[f.name];
      if (v === undefined || v === initialValue(f)) continue;
      if (f.kind === 'integer' && typeof v === 'string' && /^-?\d+$/.test(v.trim())) out[f.name] = Number(v.trim());
      else out[f.name] = v;
    }
    return out;
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const body = changes();
    setErrors({});
    setFormError(null);
    if (Object.keys(body).length === 0) {
      toast(t('settings.nothing'));
      return;
    }
    setBusy(true);
    try {
      const saved = await api.patch('/api/v1/settings', { body });
      sent.current = values;
      setOutcome(saved);
      toast(saved.after_restart.length ? t('settings.savedRestart', { names: saved.after_restart.map(settingLabel).join(', ') }) : t('settings.saved'));
      loaded.reload();
    } catch (err) {
      const fields = fieldErrors(err);
      setErrors(fields);
      setFormError(err instanceof ApiError && fields['file'] ? fields['file'] : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const set = (name: string, v: string | boolean) => setValues((old) => ({ ...old, [name]: v }));
  return (
    <section class="page">
      <PageHead title={t('nav.settings')} sub={t('settings.file', { file: view.file })} />
      {!view.writable && <p class="form-error">{t('settings.readOnly', { reason: view.not_writable_reason })}</p>}
      {(view.restart_pending || (outcome && outcome.after_restart.length > 0)) && (
        <p class="notice" role="status" data-testid="restart-pending">
          {t('settings.restartPending')} <a href={href('/system')}>{t('system.restart')}</a>
        </p>
      )}
      {outcome?.backup && <p class="muted">{t('settings.backup', { file: outcome.backup })}</p>}
      <form onSubmit={save} noValidate>
        {sections.map((s) => (
          <fieldset key={s.name} class="panel" disabled={!view.writable}>
            <legend>
              <h2>
                {sectionTitle(s.name)} <span class="setting-key">[{s.name}]</span>
              </h2>
            </legend>
            <div class="settings-section">
              {s.fields.map((f) => (
                <SettingInput key={f.name} field={f} value={values[f.name] ?? initialValue(f)} error={errors[f.name]} onChange={(v) => set(f.name, v)} />
              ))}
            </div>
          </fieldset>
        ))}
        <FormError text={formError} />
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy || !view.writable} data-testid="save-settings">
            {t('settings.save')}
          </button>
        </div>
      </form>
      <MailTools />
    </section>
  );
}

function When({ field }: { field: Field }) {
  return field.restart ? <Badge kind="warn">{t('settings.afterRestart')}</Badge> : <Badge kind="ok">{t('settings.atOnce')}</Badge>;
}

function SettingInput({ field, value, error, onChange }: { field: Field; value: string | boolean; error: string | undefined; onChange: (v: string | boolean) => void }) {
  const hint = (extra?: string) => (
    <span class="setting-when">
      <When field={field} />
      {extra ? ` ${extra}` : ''}
    </span>
  );
  const name = field.name;
  // The key as settings.toml spells it, under the label: to find it in the file.
  const label = (
    <>
      {settingLabel(name)} <span class="setting-key">{field.key}</span>
    </>
  );
  if (field.kind === 'boolean') {
    return (
      <div>
        <CheckField label={label} name={name} checked={value === true} onChange={onChange} error={error} />
        {hint()}
      </div>
    );
  }
  if (field.kind === 'choice') {
    return (
      <div>
        <SelectField label={label} name={name} value={String(value)} onChange={onChange} error={error}>
          {field.choices.map((c) => (
            <option key={c} value={c}>
              {choiceLabel(name, c)}
            </option>
          ))}
        </SelectField>
        {hint()}
      </div>
    );
  }
  const secretState = field.kind === 'secret' ? (field.is_set ? t('settings.secretSet') : t('settings.secretUnset')) : undefined;
  return (
    <div>
      <TextField
        label={label}
        name={name}
        type={field.kind === 'secret' ? 'password' : field.kind === 'integer' ? 'number' : 'text'}
        value={String(value)}
        onInput={onChange}
        error={error}
        autocomplete={field.kind === 'secret' ? 'new-password' : 'off'}
        placeholder={secretState}
        min={field.min ?? undefined}
        max={field.max ?? undefined}
        hint={field.kind === 'secret' ? t('settings.secretHint') : undefined}
      />
      {hint()}
    </div>
  );
}
