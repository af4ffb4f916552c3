// A search field that reports its text after a short pause in typing.
import { useEffect, useRef, useState } from 'preact/hooks';

export function SearchBox({ label, value, onChange, delay = 250 }: { label: string; value: string; onChange: (v: string) => void; delay?: number }) {
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => setText(value), [value]);
  return (
    <label class="field search">
      <span>{label}</span>
      <input
        type="search"
        value={text}
        onInput={(e) => {
          const v = (e.currentTarget as HTMLInputElement).value;
          setText(v);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => onChange(v), delay);
        }}
      />
    </label>
  );
}
