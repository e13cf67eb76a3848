/**
 * The timers a buffered logger uses. Injectable so tests can drive the periodic flush, retry
 * backoff and export timeout with a manual clock instead of sleeping.
 */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: a logger's timers never keep the process alive on their own. */
export const realScheduler: Scheduler = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
