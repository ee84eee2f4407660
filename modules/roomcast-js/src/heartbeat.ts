import type { Scheduler, Timer } from './scheduler.js';

/**
 * The dead-link watchdog of one connection: when no frame arrived for `timeoutMs`, it calls
 * `onSilent` once with how long the link has been silent.
 */
export class Heartbeat {
  /** When the last frame arrived. */
  private lastFrameAt: number;
  /** The next check; undefined once stopped or fired. */
  private timer: Timer | undefined;

  constructor(private readonly scheduler: Scheduler, private readonly timeoutMs: number,
      private readonly onSilent: (silentMs: number) => void) {
    this.lastFrameAt = scheduler.now();
    this.timer = scheduler.after(timeoutMs, this.check);
  }

  /** A frame arrived: the link is alive. */
  frameArrived(): void {
    this.lastFrameAt = this.scheduler.now();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private readonly check = (): void => {
    const silent = this.scheduler.now() - this.lastFrameAt;
    if (silent >= this.timeoutMs) {
      this.timer = undefined;
      this.onSilent(silent);
    } else {
      this.timer = this.scheduler.after(this.timeoutMs - silent, this.check);
    }
  };
}
