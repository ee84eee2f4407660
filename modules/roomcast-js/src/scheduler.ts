/** A pending call from a {@link Scheduler}. */
export interface Timer {
  /** Drops the call if it has not run yet; calling it again does nothing. */
  cancel(): void;
}

/**
 * Time for the client: the clock and the timers every part of it uses (reconnect delays, request and
 * connect timeouts, the heartbeat watchdog, token refreshes, subscribe retries). Tests pass one they
 * step by hand, so that time is chosen by the test, not by the machine.
 */
export interface Scheduler {
  /** Milliseconds on a monotonic clock (only differences matter). */
  now(): number;
  /** Calls `fn` once, `delayMs` from now. */
  after(delayMs: number, fn: () => void): Timer;
}

const monotonic: () => number = typeof performance !== 'undefined' && typeof performance.now === 'function'
  ? () => performance.now() : () => Date.now();

/** The real clock and the runtime's setTimeout. */
export const realScheduler: Scheduler = {
  now: monotonic,
  after(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

/** Calls `fn` every `periodMs` until the returned timer is cancelled. */
export function every(scheduler: Scheduler, periodMs: number, fn: () => void): Timer {
  let next: Timer;
  let cancelled = false;
  const tick = () => {
    if (cancelled) return;
    next = scheduler.after(periodMs, tick);
    fn();
  };
  next = scheduler.after(periodMs, tick);
  return {
    cancel() {
      cancelled = true;
      next.cancel();
    },
  };
}
