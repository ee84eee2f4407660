import type { Advice } from './advice.js';
import type { Backoff } from './backoff.js';
import type { Scheduler, Timer } from './scheduler.js';
import type { Emit } from './emitter.js';
import type { ClientEvents, ConnectionState, DisconnectedEvent } from './types.js';

/**
 * The connection's state machine: `disconnected` until connect(), `connecting` while attempts go on
 * (each after a backoff delay, never before the server's retry_after_ms), `connected` at the
 * `connected` frame, and `disconnected` again after disconnect() or final advice. It emits `state`,
 * `connecting` and `disconnected`, and asks for each attempt through `open`.
 */
export class Lifecycle {
  /** Where the connection stands; changed only by setState(). */
  private current: ConnectionState = 'disconnected';
  /** Set by stop() and by final advice: no reconnect until start(). */
  private isStopped = true;
  /** Bumped by start() and stop(), so that a stale async attempt gives up. */
  private gen = 0;
  /** The next attempt, while waiting for it. */
  private reconnectTimer: Timer | undefined;

  /**
   * @param open starts an attempt (may finish later: it checks {@link generation} after each await)
   * @param onStopped the client stopped for good: fail what waits for a connection, with this reason
   */
  constructor(private readonly backoff: Backoff, private readonly scheduler: Scheduler, private readonly emit: Emit<ClientEvents>,
      private readonly open: () => void, private readonly onStopped: (reason: string) => void) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Whether the client is stopped (before connect(), after disconnect() or final advice). */
  get stopped(): boolean {
    return this.isStopped;
  }

  get generation(): number {
    return this.gen;
  }

  /** connect(): starts attempting, at once. Returns false when already started. */
  start(): boolean {
    if (!this.isStopped) return false;
    this.isStopped = false;
    this.gen++;
    this.backoff.reset();
    this.scheduleOpen(0);
    return true;
  }

  /** disconnect(): no more attempts. The caller closes the connection, if any. */
  stop(): void {
    this.isStopped = true;
    this.gen++;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
  }

  /** The `connected` frame arrived. */
  connected(): void {
    this.backoff.reset();
    this.setState('connected');
  }

  /** A connection ended (or an attempt failed): reconnect or stop, as advised. */
  ended(advice: Advice): void {
    if (this.isStopped || !advice.reconnect) {
      const byClient = this.isStopped;
      this.isStopped = true;
      this.onStopped(byClient ? 'client disconnected' : `server closed the connection for good: ${advice.reason}`);
      this.setState('disconnected');
      this.emit('disconnected', { code: advice.code, reason: advice.reason, reconnect: false, retryAfterMs: advice.retryAfterMs });
      return;
    }
    this.retryLater(advice);
  }

  /** An attempt failed before it had a connection: try again after the backoff delay. */
  retryLater(advice: Advice): void {
    const delay = Math.max(this.backoff.next(), advice.retryAfterMs ?? 0);
    const event: DisconnectedEvent = { code: advice.code, reason: advice.reason, reconnect: true, reconnectInMs: delay };
    if (advice.retryAfterMs !== undefined) event.retryAfterMs = advice.retryAfterMs;
    this.emit('disconnected', event);
    if (this.isStopped) return; // a listener called disconnect()
    this.scheduleOpen(delay);
  }

  setState(next: ConnectionState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.emit('state', next, previous);
  }

  private scheduleOpen(delayMs: number): void {
    this.setState('connecting');
    this.emit('connecting', { attempt: this.backoff.attempt, delayMs });
    this.reconnectTimer?.cancel();
    this.reconnectTimer = this.scheduler.after(delayMs, () => {
      this.reconnectTimer = undefined;
      this.open();
    });
  }
}
