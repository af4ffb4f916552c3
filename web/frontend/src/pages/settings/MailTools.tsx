// Under the e-mail settings: a test mail with the settings in effect (the SMTP server's answer
// shown), and the weekly summary — previewed in either language, its recipients and schedule,
// sent now on demand.
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { session } from '../../auth/session';
import { lang as uiLang, t, type Key } from '../../i18n';
import { formatDateTime } from '../../i18n/format';
import { errorText } from '../../ui/errors';
import { toast } from '../../ui/toasts';
import { useLoad } from '../../ui/usePaged';

export function MailTools() {
  const [to, setTo] = useState(session.value?.user.email ?? '');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [testing, setTesting] = useState(false);
  // The preview starts in the language the page is shown in.
  const [lang, setLang] = useState<'en' | 'it'>(uiLang.value);
  const [tick, setTick] = useState(0);
  const preview = useLoad((signal) => api.get('/api/v1/mail/weekly-summary', { query: { lang }, signal }), [lang, tick]);
  const test = async () => {
    setTesting(true);
    setResult(null);
    try {
      const r = await api.post('/api/v1/mail/test', { body: { to } });
      setResult({ ok: r.ok, text: r.ok ? t('mail.testOk', { answer: r.server_answer }) : t('mail.testFailed', { answer: r.server_answer }) });
    } catch (e) {
      setResult({ ok: false, text: errorText(e) });
    } finally {
      setTesting(false);
    }
  };
  const send = async () => {
    try {
      const r = await api.post('/api/v1/mail/weekly-summary', { body: { lang } });
      toast(t('mail.summarySent', { n: r.mails }));
      setTick((n) => n + 1);
    } catch (e) {
      toast(errorText(e), 'error');
    }
  };
  const p = preview.data;
  return (
    <section class="panel" aria-labelledby="mail-tools">
      <h2 id="mail-tools">{t('settings.section.email')}</h2>
      <h3>{t('mail.test')}</h3>
      <div class="filters">
        <label class="field">
          <span>{t('mail.testTo')}</span>
          <input type="email" name="test-to" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} autocomplete="email" />
        </label>
        <button type="button" class="button" onClick={test} disabled={testing || !to} data-testid="mail-test">
          {t('mail.testSend')}
        </button>
      </div>
      {result && (
        <p class={result.ok ? 'notice' : 'form-error'} role="status" data-testid="mail-test-result">
          {result.text}
        </p>
      )}
      <h3>{t('mail.summary')}</h3>
      <div class="filters">
        <label class="field">
          <span>{t('mail.summaryLang')}</span>
          <select value={lang} onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as 'en' | 'it')} data-testid="summary-lang">
            <option value="en">{t('lang.en')}</option>
            <option value="it">{t('lang.it')}</option>
          </select>
        </label>
        <button type="button" class="button" onClick={send} data-testid="summary-send">
          {t('mail.summarySend')}
        </button>
      </div>
      {preview.error && <p class="form-error">{preview.error}</p>}
      {p && (
        <>
          <p class="muted">
            {p.schedule.enabled
              ? t('mail.summarySchedule', { day: t(`mail.day.${p.schedule.day}` as Key), hour: p.schedule.hour, next: formatDateTime(p.schedule.next) })
              : t('mail.summaryOff')}
          </p>
          <p class="muted">{p.recipients.length ? t('mail.summaryRecipients', { list: p.recipients.join(', ') }) : t('mail.summaryNoRecipients')}</p>
          <p>
            <strong>{p.subject}</strong>
          </p>
          <div class="mail-preview" data-testid="summary-preview" tabIndex={0} aria-label={t('mail.summaryPreview')}>
            {p.text}
          </div>
        </>
      )}
    </section>
  );
}
