import { Backoff } from './backoff.js';
import { codecFor, codecForSubprotocol, num, SUBPROTOCOL, type ClientFrameInit, type Codec, type ServerFrameMsg } from './codec.js';
import { Emitter } from './emitter.js';
import { ErrorCode, RoomcastError } from './errors.js';
import { Subscription, type SubscriptionOwner } from './subscription.js';
import type {
  ClientEvents, ClientOptions, ConnectedEvent, ConnectionState, DisconnectedEvent, Position, PublishAck,
  RoomMessage, SubscribedEvent, SubscriptionHandlers, WebSocketConstructor, WebSocketLike,
} from './types.js';

/** Close codes after which reconnecting cannot help, when the server sent no `disconnect` advice. */
const FINAL_CLOSE_CODES = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1010, 4000]);
/** The server's code for an expired token: get a new one before reconnecting. */
const TOKEN_EXPIRED = 4001;
/** The close code the client sends when it gives up on a silent or stuck connection (IANA: "Timeout"). */
const CLOSE_TIMEOUT = 3008;

const now: () => number = typeof performance !== 'undefined' && typeof performance.now === 'function'
  ? () => performance.now() : () => Date.now();

interface Advice {
  code: number;
  reason: string;
  reconnect: boolean;
  retryAfterMs?: number;
}

/** A request waiting for its reply. */
interface Pending {
  request: string;
  resolve: (frame: ServerFrameMsg) => void;
  reject: (error: RoomcastError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Sent on the current connection (else still waiting in {@link RoomcastClient.queue}). */
  sent: boolean;
  /** Subscribe and unsubscribe: the client's own bookkeeping, dropped silently when the connection closes. */
  internal: boolean;
}

/**
 * A connection to a roomcast cluster that stays up: it reconnects with exponential backoff and
 * jitter (honouring the server's `disconnect` advice), resubscribes every room from the last
 * position seen, answers the server's pings and closes a link that went silent.
 *
 * ```ts
 * const client = new RoomcastClient({ url: 'wss://example.com/ws', token });
 * client.on('state', s => console.log(s));
 * client.subscribe('news', { onMessage: m => console.log(m.text) });
 * client.connect();
 * await client.publish('news', 'hello');
 * ```
 */
export class RoomcastClient extends Emitter<ClientEvents> implements SubscriptionOwner {
  private readonly url: string;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly requestedCodec: Codec;
  private readonly backoff: Backoff;
  private readonly subBackoffRandom: () => number;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly heartbeatFactor: number;
  private readonly maxFrames: number;

  /** Where the connection stands; changed only by setState(). */
  private currentState: ConnectionState = 'disconnected';
  /** The current socket, from its creation until it closes; null between connections. */
  private ws: WebSocketLike | null = null;
  /** The codec of the current socket's subprotocol. */
  private codec: Codec;
  /** The current connection's `connected` frame; undefined until it arrived. */
  private info: ConnectedEvent | undefined;
  /** Whether any connection succeeded since connect(): later ones are reconnections. */
  private everConnected = false;
  /** Set by disconnect() and by final disconnect advice: no reconnect until connect(). */
  private stopped = true;
  /** Bumped by connect() and disconnect(), so that a stale async open() step gives up. */
  private generation = 0;
  /** The server's advice for the current connection, from its `disconnect` frame. */
  private advice: Advice | null = null;
  /** The token sent at the next handshake. */
  private token: string | undefined;
  /** Whether the server said the token expired: get a new one before the next handshake. */
  private tokenExpired = false;
  /** Rooms by name: subscribed, or to be subscribed at the next connection. */
  private readonly subs = new Map<string, Subscription>();
  /** Requests by id, waiting for their reply. */
  private readonly pending = new Map<number, Pending>();
  /** Requests made while connecting, sent in order once connected. */
  private queue: { id: number; frame: ClientFrameInit }[] = [];
  /** The last request id given out (ids are uint32, never 0). */
  private lastId = 0;
  /** When the last frame arrived (for the dead-link check). */
  private lastFrameAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: ClientOptions) {
    super((e) => console.error('roomcast: a listener threw', e));
    if (!options || typeof options.url !== 'string' || options.url === '') throw new TypeError('url is required');
    this.url = options.url;
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. the ws package), or use the Node build');
    this.WebSocketImpl = impl;
    this.requestedCodec = codecFor(options.format ?? 'proto');
    this.codec = this.requestedCodec;
    this.backoff = new Backoff(options.backoff, options.random);
    this.subBackoffRandom = options.random ?? Math.random;
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 10_000);
    this.connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? 10_000);
    this.heartbeatFactor = positive('heartbeatTimeoutFactor', options.heartbeatTimeoutFactor ?? 2);
    this.maxFrames = positive('maxFramesPerMessage', options.maxFramesPerMessage ?? 50);
    this.token = options.token;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The current connection's `connected` frame (node, session, ping interval), when connected. */
  get connection(): ConnectedEvent | undefined {
    return this.currentState === 'connected' ? this.info : undefined;
  }

  /** The subscription of `room`, if any. */
  subscription(room: string): Subscription | undefined {
    return this.subs.get(room);
  }

  /** Starts connecting (and keeps reconnecting until disconnect() or final advice from the server). */
  connect(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.generation++;
    this.backoff.reset();
    this.scheduleOpen(0);
  }

  /** Closes the connection and stops reconnecting. Subscriptions stay: connect() resubscribes them. */
  disconnect(): void {
    if (this.stopped && this.currentState === 'disconnected') return;
    this.stopped = true;
    this.generation++;
    clearTimer(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.ws) {
      const ws = this.ws;
      try {
        ws.close(1000, 'client disconnect');
      } catch {
        // already closing
      }
      this.onClosed({ code: 1000, reason: 'client disconnect', reconnect: false });
    } else {
      this.failQueued('client disconnected');
      const wasConnecting = this.currentState !== 'disconnected';
      this.setState('disconnected');
      if (wasConnecting) this.emit('disconnected', { code: 1000, reason: 'client disconnect', reconnect: false });
    }
  }

  /**
   * Subscribes to `room`; messages go to `handlers.onMessage`. The subscription lasts across
   * reconnects until unsubscribe(). With `since`, delivery continues after that position (when the
   * server can replay it; see {@link SubscribedEvent.recovered}).
   *
   * @throws RoomcastError 409 when already subscribed to `room` on this client
   */
  subscribe(room: string, handlers: SubscriptionHandlers = {}, options: { since?: Position } = {}): Subscription {
    if (this.subs.has(room)) {
      throw new RoomcastError(ErrorCode.ALREADY_SUBSCRIBED, `already subscribed to ${room}`, 'subscribe', 'client');
    }
    const sub = new Subscription(this, room, handlers, options.since);
    this.subs.set(room, sub);
    if (this.currentState === 'connected') this.sendSubscribes([sub]);
    return sub;
  }

  /** Leaves `room`: no more callbacks from now on; resolves once the server confirmed, or at once when not connected. */
  unsubscribe(room: string): Promise<void> {
    const sub = this.subs.get(room);
    if (!sub) return Promise.resolve();
    this.subs.delete(room);
    sub.onEnded(new RoomcastError(ErrorCode.NOT_SUBSCRIBED, `unsubscribed from ${room}`, 'subscribe', 'client'));
    this.call(() => sub.handlers.onUnsubscribed?.());
    this.emit('unsubscribed', room);
    if (this.currentState !== 'connected') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const id = this.nextId();
      this.track(id, 'unsubscribe', true, () => resolve(), () => resolve());
      this.send([{ id, unsubscribe: { room } }]);
      this.pending.get(id)!.sent = true;
    });
  }

  /**
   * Publishes to `room` (subscribed or not). Resolves with the message's offset once the node
   * acknowledged it; rejects with a {@link RoomcastError} carrying the code (413 too large, 400 bad
   * room name, 503 unavailable, 408 no reply in time, ...). Made while connecting, it waits for the connection.
   */
  async publish(room: string, payload: string | Uint8Array): Promise<PublishAck> {
    const body = typeof payload === 'string' ? { room, text: payload } : { room, data: payload };
    const frame = await this.request('publish', { publish: body });
    return { offset: num(frame.ack?.offset) };
  }

  /** Measures the round trip to the node: resolves with milliseconds. */
  async ping(): Promise<number> {
    const start = now();
    await this.request('ping', { ping: {} });
    return now() - start;
  }

  /**
   * Gets a new token from `getToken` and, when connected, sends it in a `refresh` frame; the next
   * handshakes use it too.
   */
  async refresh(): Promise<void> {
    const getToken = this.options.getToken;
    if (!getToken) throw new TypeError('refresh() needs options.getToken');
    const token = await getToken();
    this.token = token;
    if (this.currentState === 'connected') await this.request('refresh', { refresh: { token } });
  }

  // ---- connection lifecycle ----

  private setState(next: ConnectionState): void {
    const previous = this.currentState;
    if (previous === next) return;
    this.currentState = next;
    this.emit('state', next, previous);
  }

  private scheduleOpen(delayMs: number): void {
    this.setState('connecting');
    this.emit('connecting', { attempt: this.backoff.attempt, delayMs });
    clearTimer(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.open();
    }, delayMs);
  }

  private async open(): Promise<void> {
    const generation = this.generation;
    const getToken = this.options.getToken;
    if (getToken && (this.token === undefined || this.tokenExpired)) {
      try {
        this.token = await getToken();
        this.tokenExpired = false;
      } catch (e) {
        if (generation !== this.generation) return;
        this.emit('error', { context: 'token', error: asError(e) });
        this.retryLater({ code: 1006, reason: 'could not get a token', reconnect: true });
        return;
      }
    }
    if (this.stopped || generation !== this.generation) return;
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketImpl(this.handshakeUrl(), [SUBPROTOCOL[this.requestedCodec.format]]);
    } catch (e) {
      this.emit('error', { context: 'transport', error: asError(e) });
      this.retryLater({ code: 1006, reason: 'could not open a WebSocket', reconnect: true });
      return;
    }
    this.ws = ws;
    this.advice = null;
    this.info = undefined;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.codec = codecForSubprotocol(ws.protocol) ?? codecFor('proto');
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.onData(ev.data);
    };
    ws.onerror = (ev) => {
      if (this.ws !== ws) return;
      const message = ev && typeof ev.message === 'string' ? ev.message : 'WebSocket error';
      this.emit('error', { context: 'transport', error: new Error(message) });
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.onClosed(this.advice ?? adviceFor(ev.code, ev.reason));
    };
    this.connectTimer = setTimeout(() => {
      this.abort(`no connected frame within ${this.connectTimeoutMs} ms`, 'transport');
    }, this.connectTimeoutMs);
  }

  private handshakeUrl(): string {
    if (this.token === undefined || this.token === '') return this.url;
    return this.url + (this.url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(this.token);
  }

  /** Gives up on the current socket at once (a dead link may not finish a close handshake) and reconnects. */
  private abort(reason: string, context: 'transport' | 'heartbeat' | 'protocol'): void {
    const ws = this.ws;
    if (!ws) return;
    this.emit('error', { context, error: new Error(reason) });
    try {
      ws.close(CLOSE_TIMEOUT, 'timeout');
    } catch {
      // closing already
    }
    this.onClosed({ code: 1006, reason, reconnect: true });
  }

  /** The current socket closed (or was given up): clean up, then reconnect or stop as advised. */
  private onClosed(advice: Advice): void {
    const ws = this.ws;
    if (ws) {
      // Keep no-op handlers: the `ws` package throws on an 'error' event nobody listens to.
      ws.onopen = noop;
      ws.onmessage = noop;
      ws.onclose = noop;
      ws.onerror = noop;
    }
    this.ws = null;
    this.info = undefined;
    this.advice = null;
    clearTimer(this.connectTimer);
    clearTimer(this.heartbeatTimer);
    clearInterval(this.refreshTimer);
    this.connectTimer = this.heartbeatTimer = this.refreshTimer = undefined;
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      if (!p.internal) {
        p.reject(new RoomcastError(ErrorCode.UNAVAILABLE, 'connection closed before the reply: the request may or may not have taken effect', p.request, 'client'));
      }
    }
    for (const sub of this.subs.values()) {
      clearTimer(sub.retryTimer);
      sub.retryTimer = undefined;
      if (sub.state === 'subscribed') sub.state = 'subscribing';
    }
    if (advice.code === TOKEN_EXPIRED) this.tokenExpired = true;
    if (this.stopped || !advice.reconnect) {
      const byClient = this.stopped;
      this.stopped = true;
      this.failQueued(byClient ? 'client disconnected' : `server closed the connection for good: ${advice.reason}`);
      this.setState('disconnected');
      this.emit('disconnected', { code: advice.code, reason: advice.reason, reconnect: false, retryAfterMs: advice.retryAfterMs });
      return;
    }
    this.retryLater(advice);
  }

  private retryLater(advice: Advice): void {
    const delay = Math.max(this.backoff.next(), advice.retryAfterMs ?? 0);
    const event: DisconnectedEvent = { code: advice.code, reason: advice.reason, reconnect: true, reconnectInMs: delay };
    if (advice.retryAfterMs !== undefined) event.retryAfterMs = advice.retryAfterMs;
    this.emit('disconnected', event);
    if (this.stopped) return; // a listener called disconnect()
    this.scheduleOpen(delay);
  }

  // ---- incoming frames ----

  private onData(data: ArrayBuffer | Uint8Array | string): void {
    this.lastFrameAt = now();
    let frames: ServerFrameMsg[];
    try {
      frames = this.codec.decode(data);
    } catch (e) {
      this.abort(`undecodable message from the server: ${asError(e).message}`, 'protocol');
      return;
    }
    for (const f of frames) {
      if (!this.ws) return; // a frame closed the connection
      this.onFrame(f);
    }
  }

  private onFrame(f: ServerFrameMsg): void {
    if (f.message) {
      this.onMessage(f.message);
    } else if (f.ping) {
      this.send([{ pong: {} }]);
    } else if (f.connected) {
      this.onConnected(f.connected);
    } else if (f.disconnect) {
      const d = f.disconnect;
      this.advice = { code: d.code ?? 0, reason: d.reason ?? '', reconnect: !!d.reconnect };
      if (d.retryAfterMs) this.advice.retryAfterMs = d.retryAfterMs;
    } else if (f.subscribed && (f.id === null || f.id === undefined)) {
      this.onStreamReset(f.subscribed);
    } else if (f.id !== null && f.id !== undefined) {
      const p = this.pending.get(f.id);
      if (!p) return; // timed out already
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.error) {
        if (f.error.code === ErrorCode.UNAUTHORIZED) this.tokenExpired = true;
        p.reject(new RoomcastError(f.error.code ?? 0, f.error.message ?? '', p.request, 'server'));
      } else {
        p.resolve(f);
      }
    } else if (f.error) {
      this.emit('error', { context: 'protocol', error: new RoomcastError(f.error.code ?? 0, f.error.message ?? '', 'unknown', 'server') });
    }
  }

  private onConnected(c: NonNullable<ServerFrameMsg['connected']>): void {
    if (this.info) return;
    clearTimer(this.connectTimer);
    this.connectTimer = undefined;
    this.info = {
      node: c.node ?? '',
      session: c.session ?? '',
      pingIntervalMs: c.pingIntervalMs ?? 0,
      maxMessageBytes: c.maxMessageBytes ?? 0,
      reconnected: this.everConnected,
    };
    this.everConnected = true;
    this.backoff.reset();
    this.setState('connected');
    this.emit('connected', { ...this.info });
    if (!this.ws) return; // a listener disconnected
    if (this.info.pingIntervalMs > 0) this.watchHeartbeat(this.info.pingIntervalMs * this.heartbeatFactor);
    const refreshEvery = this.options.tokenRefreshIntervalMs;
    if (this.options.getToken && refreshEvery && refreshEvery > 0) {
      this.refreshTimer = setInterval(() => {
        this.refresh().catch((e) => this.emit('error', { context: 'refresh', error: asError(e) }));
      }, refreshEvery);
    }
    this.sendSubscribes([...this.subs.values()]);
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      const p = this.pending.get(q.id);
      if (p) this.sendRequest(q.id, q.frame, p);
    }
  }

  private watchHeartbeat(timeoutMs: number): void {
    this.lastFrameAt = now();
    const check = () => {
      const silent = now() - this.lastFrameAt;
      if (silent >= timeoutMs) {
        this.heartbeatTimer = undefined;
        this.abort(`no frame from the server for ${Math.round(silent)} ms (ping interval ${this.info?.pingIntervalMs} ms)`, 'heartbeat');
      } else {
        this.heartbeatTimer = setTimeout(check, timeoutMs - silent);
      }
    };
    this.heartbeatTimer = setTimeout(check, timeoutMs);
  }

  private onMessage(m: NonNullable<ServerFrameMsg['message']>): void {
    const room = m.room ?? '';
    const sub = this.subs.get(room);
    if (!sub) return; // unsubscribed meanwhile
    const offset = num(m.offset);
    const epoch = m.epoch ?? '';
    if (offset !== undefined) {
      const last = sub.position;
      if (last && last.epoch === epoch && offset <= last.offset) return; // seen already
      sub.position = { offset, epoch };
    }
    const msg: RoomMessage = { room, epoch, timeMs: num(m.timeMs) ?? 0 };
    if (offset !== undefined) msg.offset = offset;
    if (m.text !== null && m.text !== undefined) msg.text = m.text;
    else if (m.data) msg.data = m.data;
    this.call(() => sub.handlers.onMessage?.(msg));
    this.emit('message', msg);
  }

  // ---- subscriptions ----

  private sendSubscribes(subs: Subscription[]): void {
    const frames: ClientFrameInit[] = [];
    for (const sub of subs) {
      if (this.subs.get(sub.room) !== sub) continue;
      sub.state = 'subscribing';
      const since = sub.position ? { ...sub.position } : undefined;
      const id = this.nextId();
      this.track(id, 'subscribe', true,
        (f) => this.onSubscribeReply(sub, since, f),
        (e) => this.onSubscribeFailed(sub, e));
      this.pending.get(id)!.sent = true;
      frames.push({ id, subscribe: since ? { room: sub.room, since: { offset: since.offset, epoch: since.epoch } } : { room: sub.room } });
    }
    if (frames.length > 0) this.send(frames);
  }

  private onSubscribeReply(sub: Subscription, since: Position | undefined, f: ServerFrameMsg): void {
    if (this.subs.get(sub.room) !== sub || !f.subscribed) return;
    const s = f.subscribed;
    const position: Position = { offset: num(s.position?.offset) ?? 0, epoch: s.position?.epoch ?? '' };
    let recovered: boolean | undefined;
    if (since) {
      if (s.recovered !== null && s.recovered !== undefined) recovered = s.recovered;
      else if (since.epoch !== position.epoch) recovered = false; // offsets of two epochs are unrelated
      else if (since.offset === position.offset) recovered = true; // nothing was published meanwhile
    }
    // Unless the server replays the gap, delivery continues from its current position.
    if (recovered !== true || !sub.position) sub.position = position;
    const event: SubscribedEvent = { room: sub.room, position, resubscribed: sub.confirmed };
    if (since) {
      event.since = since;
      event.recovered = recovered;
    }
    sub.onConfirmed(event);
    this.call(() => sub.handlers.onSubscribed?.(event));
    this.emit('subscribed', event);
  }

  /**
   * An unsolicited `subscribed` (no id): while connected, the node found a gap it cannot fill or the
   * room's epoch changed. The stream goes on from the given position; the app must reload its state.
   */
  private onStreamReset(s: NonNullable<ServerFrameMsg['subscribed']>): void {
    const sub = this.subs.get(s.room ?? '');
    if (!sub || sub.state !== 'subscribed') return;
    const position: Position = { offset: num(s.position?.offset) ?? 0, epoch: s.position?.epoch ?? '' };
    const since = sub.position;
    sub.position = position;
    const event: SubscribedEvent = { room: sub.room, position, resubscribed: false, recovered: s.recovered ?? false };
    if (since) event.since = since;
    this.call(() => sub.handlers.onSubscribed?.(event));
    this.emit('subscribed', event);
  }

  private onSubscribeFailed(sub: Subscription, error: RoomcastError): void {
    if (this.subs.get(sub.room) !== sub) return;
    if (error.code === ErrorCode.TIMEOUT && error.source === 'client') {
      // The node may still take it (a retry would then be refused with 409): start over on a new connection.
      this.abort(`no reply to subscribe ${sub.room} within ${this.requestTimeoutMs} ms`, 'transport');
      return;
    }
    this.call(() => sub.handlers.onError?.(error));
    this.emit('error', { context: 'subscribe', error, room: sub.room });
    if (error.retryable) {
      sub.failures++;
      const delay = Math.min(10_000, 250 * 2 ** Math.min(sub.failures, 6)) * (1 - 0.5 * this.subBackoffRandom());
      sub.retryTimer = setTimeout(() => {
        sub.retryTimer = undefined;
        if (this.currentState === 'connected') this.sendSubscribes([sub]);
      }, delay);
      return;
    }
    this.subs.delete(sub.room);
    sub.onFailed(error);
  }

  // ---- requests ----

  private request(request: string, frame: ClientFrameInit): Promise<ServerFrameMsg> {
    if (this.stopped) {
      return Promise.reject(new RoomcastError(ErrorCode.UNAVAILABLE, 'client is not connected: call connect() first', request, 'client'));
    }
    return new Promise<ServerFrameMsg>((resolve, reject) => {
      const id = this.nextId();
      const p = this.track(id, request, false, resolve, reject);
      const withId = { ...frame, id };
      if (this.currentState === 'connected') this.sendRequest(id, withId, p);
      else this.queue.push({ id, frame: withId });
    });
  }

  private track(id: number, request: string, internal: boolean,
      resolve: (f: ServerFrameMsg) => void, reject: (e: RoomcastError) => void): Pending {
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.queue = this.queue.filter((q) => q.id !== id);
      reject(new RoomcastError(ErrorCode.TIMEOUT, `no reply to ${request} within ${this.requestTimeoutMs} ms`, request, 'client'));
    }, this.requestTimeoutMs);
    const p: Pending = { request, resolve, reject, timer, sent: false, internal };
    this.pending.set(id, p);
    return p;
  }

  /** Sends one request in a message of its own, after checking its size against the node's limit. */
  private sendRequest(id: number, frame: ClientFrameInit, p: Pending): void {
    const encoded = this.codec.encode([frame]);
    const max = this.info?.maxMessageBytes ?? 0;
    const size = typeof encoded === 'string' ? utf8Length(encoded) : encoded.length;
    if (max > 0 && size > max) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new RoomcastError(ErrorCode.PAYLOAD_TOO_LARGE, `message of ${size} bytes is over the node's limit of ${max}`, p.request, 'client'));
      return;
    }
    p.sent = true;
    this.sendEncoded(encoded);
  }

  private send(frames: ClientFrameInit[]): void {
    for (let i = 0; i < frames.length; i += this.maxFrames) {
      this.sendEncoded(this.codec.encode(frames.slice(i, i + this.maxFrames)));
    }
  }

  private sendEncoded(message: Uint8Array | string): void {
    const ws = this.ws;
    if (!ws) return;
    try {
      ws.send(message);
    } catch (e) {
      this.emit('error', { context: 'transport', error: asError(e) });
    }
  }

  private failQueued(reason: string): void {
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      const p = this.pending.get(q.id);
      if (!p) continue;
      this.pending.delete(q.id);
      clearTimeout(p.timer);
      p.reject(new RoomcastError(ErrorCode.UNAVAILABLE, reason, p.request, 'client'));
    }
  }

  private nextId(): number {
    do {
      this.lastId = this.lastId >= 0xffffffff ? 1 : this.lastId + 1;
    } while (this.pending.has(this.lastId));
    return this.lastId;
  }

  /** Runs an application callback; what it throws is reported, not propagated into the client. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      console.error('roomcast: a subscription handler threw', e);
    }
  }
}

/** What a close code without a `disconnect` frame advises. */
function adviceFor(code: number, reason: string): Advice {
  const reconnect = !(FINAL_CLOSE_CODES.has(code) || (code >= 4500 && code <= 4999));
  return { code, reason: reason || (code === 1006 ? 'connection lost' : ''), reconnect };
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new RangeError(`${name} must be positive: ${v}`);
  return v;
}

function clearTimer(t: ReturnType<typeof setTimeout> | undefined): void {
  if (t !== undefined) clearTimeout(t);
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

const textEncoder = /* @__PURE__ */ new TextEncoder();

function utf8Length(s: string): number {
  return textEncoder.encode(s).length;
}

function noop(): void {}
