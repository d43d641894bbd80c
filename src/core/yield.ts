/**
 * @module
 * Letting the event loop run between units of a long synchronous job (signals, progress output,
 * an HTTP server in the same process). `setImmediate` where it exists (Node): it returns after
 * pending I/O without the 1 ms minimum that `setTimeout(…, 0)` has, which a loop of hundreds of
 * PPO updates would otherwise spend asleep. Browsers get `setTimeout`.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise<void>((resolve) => {
    if (typeof immediate === "function") immediate(resolve);
    else setTimeout(resolve, 0);
  });
}
