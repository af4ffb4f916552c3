// Add or edit a member; with `tap`, the card of an unknown-card tap is converted into a member.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { useLookup } from '../../api/lookups';
import { loadSession, session } from '../../auth/session';
import type { Member, Role, UnknownCard } from '../../api/types';
import { t } from '../../i18n';
import { Dialog } from '../../ui/Dialog';
import { CheckField, FormActions, SelectField, TextField } from '../../ui/Field';
import { errorText } from '../../ui/errors';
import { toast } from '../../ui/toasts';
import { useForm } from '../../ui/useForm';
import { MIN_PASSWORD } from '../signin/NewPasswordFields';

export const CARD_RE = /^[0-9a-fA-F]{8}$/;
const EMAIL_RE = /^[^@\s<>,;"]+@[^@\s<>,;"]+$/;
// Tabs and line breaks come with names pasted from a spreadsheet; the server refuses them too.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function MemberForm({
  member,
  tap,
  card,
  onClose,
  onSaved,
}: {
  member?: Member;
  tap?: UnknownCard;
  card?: string;
  onClose: () => void;
  /** `authorizedOn`: the machine the member was authorized on with a converted tap. */
  onSaved: (m: Member, removedTaps?: number, authorizedOn?: string) => void;
}) {
  const roles = useLookup('roles');
  const form = useForm(
    {
      name: member?.name ?? '',
      surname: member?.surname ?? '',
      role_id: member ? String(member.role_id) : '',
      card: member?.card ?? tap?.card ?? card ?? '',
      email: member?.email ?? '',
      disabled: member?.disabled ?? false,
      receive_weekly_summary: member?.receive_weekly_summary ?? false,
      password: '',
      password_change_required: member?.password_change_required ?? false,
      // A card tapped at a machine is usually converted for that machine.
      authorize_machine: Boolean(tap),
    },
    (v) => ({
      name: v.name.trim() ? (v.name.trim().length > 100 ? t('err.maxLength', { a: 100 }) : CONTROL_RE.test(v.name.trim()) ? t('err.oneLine') : undefined) : t('err.required'),
      surname: CONTROL_RE.test(v.surname.trim()) ? t('err.oneLine') : undefined,
      role_id: v.role_id ? undefined : t('err.chooseRole'),
      card: v.card.trim() && !CARD_RE.test(v.card.trim()) ? t('err.card') : undefined,
      email: v.email.trim() && !EMAIL_RE.test(v.email.trim()) ? t('err.email') : undefined,
      password: v.password && v.password.length < MIN_PASSWORD ? t('err.minLength', { a: MIN_PASSWORD }) : undefined,
    }),
  );
  const v = form.values;
  const submit = form.submit(async (v) => {
    if (!tap) await refuseClashes(v.card.trim().toLowerCase(), v.email.trim().toLowerCase(), member?.id);
    const body = {
      name: v.name.trim(),
      surname: v.surname.trim(),
      role_id: Number(v.role_id),
      email: v.email.trim() || null,
      disabled: v.disabled,
      receive_weekly_summary: v.receive_weekly_summary,
      password_change_required: v.password_change_required,
      ...(v.password ? { password: v.password } : {}),
    };
    if (tap) {
      const answer = await api.post('/api/v1/unknown-cards/{id}/convert', { path: { id: tap.id }, body: { ...body, authorize_machine: v.authorize_machine } });
      onSaved(answer.member, answer.removed_taps, answer.authorization?.machine_name);
    } else if (member) {
      const saved = await api.patch('/api/v1/members/{id}', { path: { id: member.id }, body: { ...body, card: v.card.trim().toLowerCase() || null } });
      // One's own card given or taken: the dashboard's Start follows (session.user.has_card).
      if (saved.id === session.value?.user.id) void loadSession();
      onSaved(saved);
    } else {
      onSaved(await api.post('/api/v1/members', { body: { ...body, card: v.card.trim().toLowerCase() || null } }));
    }
  });
  const title = tap ? t('members.convertTitle', { card: tap.card }) : member ? t('members.editTitle', { name: `${member.name} ${member.surname}`.trim() }) : t('members.addTitle');
  return (
    <Dialog title={title} onClose={onClose}>
      <form ref={form.formRef} onSubmit={submit} noValidate class="form-grid">
        <TextField label={t('members.name')} name="name" value={v.name} onInput={(x) => form.set('name', x)} error={form.errors.name} data-autofocus autocomplete="off" />
        <TextField label={t('members.surname')} name="surname" value={v.surname} onInput={(x) => form.set('surname', x)} error={form.errors.surname} autocomplete="off" />
        <SelectField label={t('members.role')} name="role_id" value={v.role_id} onChange={(x) => form.set('role_id', x)} error={form.errors.role_id}>
          <option value="">{t('common.choose')}</option>
          {roles?.map((r) => (
            <option key={r.id} value={String(r.id)}>
              {r.name}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t('members.card')}
          name="card"
          value={v.card}
          onInput={(x) => form.set('card', x)}
          error={form.errors.card}
          hint={t('members.cardHint')}
          readOnly={Boolean(tap)}
          autocomplete="off"
          spellcheck={false}
          maxLength={8}
        />
        {tap && (
          <CheckField
            label={t('members.authorizeTap', { machine: tap.machine_name })}
            name="authorize_machine"
            checked={v.authorize_machine}
            onChange={(x) => form.set('authorize_machine', x)}
            hint={t('members.authorizeTapHint')}
          />
        )}
        <TextField label={t('members.email')} name="email" type="email" value={v.email} onInput={(x) => form.set('email', x)} error={form.errors.email} autocomplete="off" hint={t('members.emailHint')} />
        <TextField
          label={member?.has_password ? t('members.newPassword') : t('members.password')}
          name="password"
          type="password"
          value={v.password}
          onInput={(x) => form.set('password', x)}
          error={form.errors.password}
          hint={t('members.passwordHint', { n: MIN_PASSWORD })}
          autocomplete="new-password"
        />
        {member && <ResetMail member={member} roles={roles} />}
        <CheckField label={t('members.weekly')} name="receive_weekly_summary" checked={v.receive_weekly_summary} onChange={(x) => form.set('receive_weekly_summary', x)} error={form.errors.receive_weekly_summary} />
        <CheckField label={t('members.mustChange')} name="password_change_required" checked={v.password_change_required} onChange={(x) => form.set('password_change_required', x)} error={form.errors.password_change_required} />
        <CheckField label={t('members.disabled')} name="disabled" checked={v.disabled} onChange={(x) => form.set('disabled', x)} error={form.errors.disabled} hint={t('members.disabledHint')} />
        <FormActions error={form.formError} busy={form.busy} onCancel={onClose} submit={tap ? t('members.convert') : t('common.save')} />
      </form>
    </Dialog>
  );
}

/**
 * A card or e-mail that another member holds, looked up before saving: the form says so next to
 * the field as the server would, without sending a request bound to be refused (the browser
 * logs every refused request in its console). The server still refuses a clash that comes in
 * between; the form shows that answer the same way.
 */
async function refuseClashes(card: string, email: string, selfId: number | undefined): Promise<void> {
  const fields: Record<string, string> = {};
  const checks = [
    ['card', card],
    ['email', email],
  ] as const;
  for (const [field, value] of checks) {
    if (!value) continue;
    const found = await api.get('/api/v1/members', { query: { q: value, limit: 50 } });
    const holder = found.items.find((m) => m.id !== selfId && (m[field] ?? '').toLowerCase() === value);
    // Says whose it is (the server's own refusal, for a clash that comes in between, cannot).
    if (holder) fields[field] = t(field === 'card' ? 'err.cardTakenBy' : 'err.emailTakenBy', { name: `${holder.name} ${holder.surname}`.trim() });
  }
  if (Object.keys(fields).length > 0) throw new ApiError(409, 'conflict', 'taken', fields, {});
}

/** The reset mail of a saved member: sent at once; says why when it cannot be sent. */
function ResetMail({ member, roles }: { member: Member; roles: Role[] | null }) {
  const [busy, setBusy] = useState(false);
  const role = roles?.find((r) => r.id === member.role_id);
  const why = !member.email ? t('members.resetNoEmail') : role && (!role.backend_admin || member.disabled) ? t('members.resetNoAccess') : null;
  return (
    <div class="field reset-mail" data-testid="reset-mail">
      <button
        type="button"
        class="button"
        disabled={busy || why !== null}
        aria-describedby="reset-mail-hint"
        onClick={async () => {
          setBusy(true);
          try {
            await api.post('/api/v1/members/{id}/password-reset', { path: { id: member.id } });
            toast(t('members.resetSent', { email: member.email ?? '' }));
          } catch (e) {
            toast(errorText(e), 'error');
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('members.resetSend')}
      </button>
      <p class="field-hint" id="reset-mail-hint">
        {why ?? t('members.resetHint', { email: member.email ?? '' })}
      </p>
    </div>
  );
}
