// Picks one member by typing part of a name, e-mail or card (an ARIA combobox over a search of
// the server's member list).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Member } from '../api/types';
import { t } from '../i18n';

export interface Picked {
  id: number;
  label: string;
}

let ids = 0;

export function memberLabel(m: Pick<Member, 'name' | 'surname' | 'card'>): string {
  return `${m.name} ${m.surname}`.trim() + (m.card ? ` (${m.card})` : '');
}

export function MemberPicker({
  label,
  name,
  value,
  onChange,
  error,
  placeholder,
}: {
  label: string;
  name: string;
  value: Picked | null;
  onChange: (v: Picked | null) => void;
  error?: string | undefined;
  placeholder?: string;
}) {
  const id = useRef(`picker-${++ids}`).current;
  const [text, setText] = useState(value?.label ?? '');
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<Member[]>([]);
  const [active, setActive] = useState(-1);
  const [searching, setSearching] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const controller = useRef<AbortController | null>(null);

  useEffect(() => setText(value?.label ?? ''), [value?.id, value?.label]);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      setSearching(true);
      api.get('/api/v1/members', { query: { q: q.trim() || undefined, limit: 10, sort: 'name' }, signal: c.signal }).then(
        (page) => {
          if (c.signal.aborted) return;
          setOptions(page.items);
          setActive(page.items.length ? 0 : -1);
          setOpen(true);
          setSearching(false);
        },
        () => !c.signal.aborted && setSearching(false),
      );
    }, 150);
  };

  const choose = (m: Member) => {
    const picked = { id: m.id, label: memberLabel(m) };
    setText(picked.label);
    setOpen(false);
    onChange(picked);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) search(text);
      else setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter' && open) {
      const m = options[active];
      if (m) {
        e.preventDefault();
        choose(m);
      }
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const listId = `${id}-list`;
  const described = error ? `${id}-error` : undefined;
  return (
    <div class={error ? 'field picker field-invalid' : 'field picker'}>
      <label for={id}>{label}</label>
      <div class="picker-row">
        <input
          id={id}
          name={name}
          type="text"
          role="combobox"
          autocomplete="off"
          aria-autocomplete="list"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls={listId}
          aria-activedescendant={open && active >= 0 ? `${id}-opt-${active}` : undefined}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={described}
          placeholder={placeholder ?? t('picker.placeholder')}
          value={text}
          onInput={(e) => {
            const v = (e.currentTarget as HTMLInputElement).value;
            setText(v);
            if (value) onChange(null);
            search(v);
          }}
          onFocus={() => !value && search(text)}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {value && (
          <button
            type="button"
            class="icon-button"
            aria-label={t('picker.clear', { label })}
            onClick={() => {
              setText('');
              onChange(null);
            }}
          >
            ×
          </button>
        )}
      </div>
      <ul id={listId} role="listbox" aria-label={label} class="picker-list" hidden={!open}>
        {options.map((m, i) => (
          <li
            key={m.id}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active ? 'true' : 'false'}
            class={i === active ? 'active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(m);
            }}
          >
            {memberLabel(m)}
            {m.email && <span class="muted"> · {m.email}</span>}
          </li>
        ))}
        {open && options.length === 0 && !searching && <li class="muted" role="option" aria-disabled="true" aria-selected="false">{t('picker.none')}</li>}
      </ul>
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}
