// The last lines of the log, following new ones every two seconds (GET /api/v1/system/log?after=),
// filtered by level; a pause to read, and the download of the lines the appliance keeps.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { components } from 'api-schema';
import { api } from '../../api/client';
import { t } from '../../i18n';
import { formatDateTimeSeconds } from '../../i18n/format';
import { errorText } from '../../ui/errors';

type LogLine = components['schemas']['LogLine'];
type Level = 'debug' | 'info' | 'warning' | 'error';
const KEEP = 200;
const PERIOD_MS = 2000;

export function LogView() {
  const [level, setLevel] = useState<Level | ''>('');
  const [lines, setLines] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (paused) return;
    let after = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    setLines([]);
    const poll = async () => {
      try {
        const page = await api.get('/api/v1/system/log', { query: { after: after || undefined, level: level || undefined, limit: KEEP }, signal: controller.signal });
        after = page.last_seq;
        if (page.items.length > 0) setLines((old) => [...old, ...page.items].slice(-KEEP));
        setError(null);
      } catch (e) {
        if (!controller.signal.aborted) setError(errorText(e));
      }
      if (!stopped) timer = setTimeout(poll, PERIOD_MS);
    };
    void poll();
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
    };
  }, [level, paused]);
  // Follow the newest line unless the reader scrolled up.
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <section class="panel" aria-labelledby="sys-log">
      <h2 id="sys-log">{t('system.log')}</h2>
      <div class="filters">
        <label class="field">
          <span>{t('system.logLevel')}</span>
          <select value={level} onChange={(e) => setLevel((e.currentTarget as HTMLSelectElement).value as Level | '')} data-testid="log-level">
            <option value="">{t('system.logAll')}</option>
            <option value="info">{t('log.level.info')}</option>
            <option value="warning">{t('log.level.warning')}</option>
            <option value="error">{t('log.level.error')}</option>
          </select>
        </label>
        <button type="button" class="button button-small" onClick={() => setPaused(!paused)} aria-pressed={paused ? 'true' : 'false'}>
          {paused ? t('system.logResume') : t('system.logPaused')}
        </button>
        <a class="button button-small" href="/api/v1/system/log/download" download data-testid="log-download">
          {t('system.logDownload')}
        </a>
      </div>
      {error && <p class="form-error">{error}</p>}
      <div class="log-lines" ref={box} tabIndex={0} role="log" aria-label={t('system.log')} data-testid="log-lines">
        {lines.length === 0 && <p class="muted">{t('system.logEmpty')}</p>}
        {lines.map((l) => (
          <div key={l.seq} class={`log-line log-${l.level}`}>
            <time>{formatDateTimeSeconds(l.time)}</time> <span class="log-level">{l.level}</span> <span class="log-component">{l.component}:</span> {l.message}
          </div>
        ))}
      </div>
    </section>
  );
}
