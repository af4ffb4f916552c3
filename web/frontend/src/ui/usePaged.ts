// Loads one page of a server list whenever its inputs change; stale answers are dropped.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './errors';

export interface PageData<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export function usePaged<T>(load: (signal: AbortSignal) => Promise<PageData<T>>, deps: unknown[]) {
  const [data, setData] = useState<PageData<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const current = useRef<AbortController | null>(null);
  useEffect(() => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    setLoading(true);
    load(controller.signal).then(
      (d) => {
        if (controller.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (controller.signal.aborted) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

/** Like usePaged for anything loaded once per input change. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (d) => !controller.signal.aborted && (setData(d), setError(null)),
      (e) => !controller.signal.aborted && setError(errorText(e)),
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}
