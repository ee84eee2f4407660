/** Reconnect delays: exponential, capped, with random jitter so that clients of a dead node do not return in step. */
export interface BackoffOptions {
  /** Delay before the first reconnect attempt, in ms (before jitter). Default 250. */
  minDelayMs?: number;
  /** Largest delay, in ms. Default 20 000. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Share of each delay that is random, 0..1: the delay is drawn from [d * (1 - jitter), d]. Default 0.5. */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { minDelayMs: 250, maxDelayMs: 20_000, factor: 2, jitter: 0.5 };

export class Backoff {
  private readonly o: Required<BackoffOptions>;
  /** Failed attempts since the last success. */
  private attempts = 0;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.o = { ...DEFAULT_BACKOFF, ...options };
    if (!(this.o.minDelayMs >= 0)) throw new RangeError(`minDelayMs must not be negative: ${this.o.minDelayMs}`);
    if (!(this.o.maxDelayMs >= this.o.minDelayMs)) throw new RangeError(`maxDelayMs must be at least minDelayMs: ${this.o.maxDelayMs}`);
    if (!(this.o.factor >= 1)) throw new RangeError(`factor must be at least 1: ${this.o.factor}`);
    if (!(this.o.jitter >= 0 && this.o.jitter <= 1)) throw new RangeError(`jitter must be within 0..1: ${this.o.jitter}`);
  }

  /** The delay before the next attempt, counting it as one more failure. */
  next(): number {
    const base = Math.min(this.o.maxDelayMs, this.o.minDelayMs * Math.pow(this.o.factor, this.attempts));
    this.attempts++;
    return Math.round(base * (1 - this.o.jitter * this.random()));
  }

  get attempt(): number {
    return this.attempts;
  }

  reset(): void {
    this.attempts = 0;
  }
}
