import type { ClientFrameInit, ServerFrameMsg } from './codec.js';
import { ErrorCode, RoomcastError } from './errors.js';
import type { Scheduler, Timer } from './scheduler.js';

/** Where requests go out: the open connection's link, with the node's size limit. */
export interface RequestSink {
  /** One frame in a message of its own. */
  encode(frame: ClientFrameInit): Uint8Array | string;
  sendEncoded(message: Uint8Array | string): void;
  /** The node's `max_message_bytes` (0: no limit known). */
  readonly maxMessageBytes: number;
}

/** A request waiting for its reply. */
interface Pending {
  request: string;
  resolve: (frame: ServerFrameMsg) => void;
  reject: (error: RoomcastError) => void;
  timer: Timer;
  /** Sent on the current connection (else still waiting in {@link Requests.queue}). */
  sent: boolean;
  /** Subscribe and unsubscribe: the client's own bookkeeping, dropped silently when the connection closes. */
  internal: boolean;
}

/**
 * Requests and their replies: ids, a timeout each, the queue of requests made while connecting, and
 * what becomes of the waiting ones when a connection closes.
 */
export class Requests {
  /** Requests by id, waiting for their reply. */
  private readonly pending = new Map<number, Pending>();
  /** Requests made while connecting, sent in order once connected. */
  private queue: { id: number; frame: ClientFrameInit }[] = [];
  /** The last request id given out (ids are uint32, never 0). */
  private lastId = 0;

  constructor(private readonly scheduler: Scheduler, readonly timeoutMs: number) {}

  /**
   * An application request (publish, ping, refresh): sent now through `sink`, or queued until
   * flush() when there is no connection yet.
   */
  request(request: string, frame: ClientFrameInit, sink: RequestSink | undefined): Promise<ServerFrameMsg> {
    return new Promise<ServerFrameMsg>((resolve, reject) => {
      const id = this.nextId();
      const p = this.track(id, request, false, resolve, reject);
      const withId = { ...frame, id };
      if (sink) this.sendOne(id, withId, p, sink);
      else this.queue.push({ id, frame: withId });
    });
  }

  /**
   * The client's own request (subscribe, unsubscribe), which its caller sends in the returned id's
   * frame: on a connection that closes before the reply it is dropped without a word.
   */
  internal(request: string, resolve: (f: ServerFrameMsg) => void, reject: (e: RoomcastError) => void): number {
    const id = this.nextId();
    this.track(id, request, true, resolve, reject).sent = true;
    return id;
  }

  /** Sends the requests queued while connecting, in order. */
  flush(sink: RequestSink): void {
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      const p = this.pending.get(q.id);
      if (p) this.sendOne(q.id, q.frame, p, sink);
    }
  }

  /** Whether a request with this id waits for its reply. */
  waiting(id: number): boolean {
    return this.pending.has(id);
  }

  /**
   * A frame with an id: settles its request. Returns the request's name, or undefined when nothing
   * waited for it (timed out already).
   */
  settle(f: ServerFrameMsg): string | undefined {
    const id = f.id!;
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.timer.cancel();
    if (f.error) p.reject(new RoomcastError(f.error.code ?? 0, f.error.message ?? '', p.request, 'server'));
    else p.resolve(f);
    return p.request;
  }

  /** The connection closed: requests sent on it reject with 503 (internal ones are dropped), queued ones wait on. */
  connectionClosed(): void {
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.pending.delete(id);
      p.timer.cancel();
      if (!p.internal) {
        p.reject(new RoomcastError(ErrorCode.UNAVAILABLE, 'connection closed before the reply: the request may or may not have taken effect', p.request, 'client'));
      }
    }
  }

  /** The client stopped: queued requests reject with 503 and `reason`. */
  failQueued(reason: string): void {
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      const p = this.pending.get(q.id);
      if (!p) continue;
      this.pending.delete(q.id);
      p.timer.cancel();
      p.reject(new RoomcastError(ErrorCode.UNAVAILABLE, reason, p.request, 'client'));
    }
  }

  private track(id: number, request: string, internal: boolean,
      resolve: (f: ServerFrameMsg) => void, reject: (e: RoomcastError) => void): Pending {
    const timer = this.scheduler.after(this.timeoutMs, () => {
      this.pending.delete(id);
      this.queue = this.queue.filter((q) => q.id !== id);
      reject(new RoomcastError(ErrorCode.TIMEOUT, `no reply to ${request} within ${this.timeoutMs} ms`, request, 'client'));
    });
    const p: Pending = { request, resolve, reject, timer, sent: false, internal };
    this.pending.set(id, p);
    return p;
  }

  /** Sends one request in a message of its own, after checking its size against the node's limit. */
  private sendOne(id: number, frame: ClientFrameInit, p: Pending, sink: RequestSink): void {
    const encoded = sink.encode(frame);
    const max = sink.maxMessageBytes;
    const size = typeof encoded === 'string' ? utf8Length(encoded) : encoded.length;
    if (max > 0 && size > max) {
      this.pending.delete(id);
      p.timer.cancel();
      p.reject(new RoomcastError(ErrorCode.PAYLOAD_TOO_LARGE, `message of ${size} bytes is over the node's limit of ${max}`, p.request, 'client'));
      return;
    }
    p.sent = true;
    sink.sendEncoded(encoded);
  }

  private nextId(): number {
    do {
      this.lastId = this.lastId >= 0xffffffff ? 1 : this.lastId + 1;
    } while (this.pending.has(this.lastId));
    return this.lastId;
  }
}

const textEncoder = /* @__PURE__ */ new TextEncoder();

function utf8Length(s: string): number {
  return textEncoder.encode(s).length;
}
