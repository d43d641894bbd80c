/** @module Loading data from the server, optionally polling. */
import { useEffect, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
}

/** Calls `load` now and, with `pollMs`, again every `pollMs` while `keepPolling(data)` says so. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  pollMs?: number,
  keepPolling: (data: T) => boolean = () => true,
): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: null, error: null });
    const tick = async () => {
      try {
        const data = await load();
        if (stopped) return;
        setState({ data, error: null });
        if (pollMs !== undefined && keepPolling(data)) timer = setTimeout(tick, pollMs);
      } catch (error) {
        if (stopped) return;
        setState((s) => ({ data: s.data, error: (error as Error).message }));
        if (pollMs !== undefined) timer = setTimeout(tick, pollMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}
