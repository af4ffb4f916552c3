// One member's page: the profile, how much history refers to them, the download of everything
// stored about them (JSON or Excel: a request of access), and editing (whose form also mails a
// password-reset link).
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { lang, t } from '../../i18n';
import { formatNumber } from '../../i18n/format';
import { href } from '../../router';
import { fullName } from '../../ui/format-member';
import { LoadError, PageHead } from '../../ui/Page';
import { Badge } from '../../ui/StatusBadge';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/usePaged';
import { MemberForm } from './MemberForm';

export function MemberPage({ id }: { id: number }) {
  const member = useLoad((signal) => api.get('/api/v1/members/{id}', { path: { id }, signal }), [id]);
  const uses = useLoad((signal) => api.get('/api/v1/uses', { query: { member_id: id, limit: 1 }, signal }), [id]);
  const auths = useLoad((signal) => api.get('/api/v1/authorizations', { query: { member_id: id, limit: 1 }, signal }), [id]);
  const [editing, setEditing] = useState(false);
  const m = member.data;
  return (
    <section class="page">
      <p>
        <a href={href('/members')}>← {t('member.back')}</a>
      </p>
      <LoadError text={member.error} retry={member.reload} />
      {m && (
        <>
          <PageHead title={fullName(m)} sub={m.role_name}>
            {!m.deleted && (
              <button type="button" class="button" onClick={() => setEditing(true)}>
                {t('common.edit')}
              </button>
            )}
          </PageHead>
          <div class="detail-grid">
            <section class="panel" aria-labelledby="m-profile">
              <h2 id="m-profile">{t('member.profile')}</h2>
              <dl class="facts">
                <dt>{t('members.card')}</dt>
                <dd>{m.card ? <code>{m.card}</code> : t('members.noCard')}</dd>
                <dt>{t('members.email')}</dt>
                <dd>{m.email ?? '—'}</dd>
                <dt>{t('members.status')}</dt>
                <dd>
                  {m.deleted ? <Badge kind="muted">{t('members.deleted')}</Badge> : m.disabled ? <Badge kind="warn">{t('members.disabledBadge')}</Badge> : <Badge kind="ok">{t('members.active')}</Badge>}
                </dd>
                <dt>{t('members.weeklyShort')}</dt>
                <dd>{m.receive_weekly_summary ? t('common.yes') : t('common.no')}</dd>
              </dl>
            </section>
            <section class="panel" aria-labelledby="m-history">
              <h2 id="m-history">{t('member.history')}</h2>
              <dl class="facts">
                <dt>{t('member.usesCount')}</dt>
                <dd>
                  <a href={href('/uses', { member: id })}>{uses.data ? formatNumber(uses.data.total) : '…'}</a>
                </dd>
                <dt>{t('member.authsCount')}</dt>
                <dd>
                  <a href={href('/authorizations', { member: id })}>{auths.data ? formatNumber(auths.data.total) : '…'}</a>
                </dd>
              </dl>
            </section>
            <section class="panel" aria-labelledby="m-data">
              <h2 id="m-data">{t('member.dataTitle')}</h2>
              <p class="muted">{t('member.dataHint')}</p>
              <div class="row-actions">
                <a class="button" href={`/api/v1/members/${id}/data?format=json`} download data-testid="member-data-json">
                  {t('member.dataJson')}
                </a>
                <a class="button" href={`/api/v1/members/${id}/data?format=xlsx&lang=${lang.value}`} download data-testid="member-data-xlsx">
                  {t('member.dataXlsx')}
                </a>
              </div>
            </section>
          </div>
          {editing && (
            <MemberForm
              member={m}
              onClose={() => setEditing(false)}
              onSaved={(saved) => {
                toast(t('members.saved', { name: fullName(saved) }));
                setEditing(false);
                member.reload();
              }}
            />
          )}
        </>
      )}
    </section>
  );
}
