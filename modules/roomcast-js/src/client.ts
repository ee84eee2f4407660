import { Backoff } from './backoff.js';
import { codecFor, memberOf, num, type ClientFrameInit, type ServerFrameMsg } from './codec.js';
import { Connector } from './connector.js';
import { Credentials } from './credentials.js';
import { Emitter, type Emit } from './emitter.js';
import { ErrorCode, RoomcastError } from './errors.js';
import { asError } from './link.js';
import { Requests } from './requests.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import { Subscriptions } from './subscriptions.js';
import type { Subscription, SubscriptionOwner } from './subscription.js';
import { newIdempotencyKey } from './idempotency.js';
import type {
  ClientEvents, ClientOptions, ConnectedEvent, ConnectionState, PresenceReply, PresenceStatsReply, PublishAck, PublishOptions,
  PublishRetryOptions, SubscribeOptions, SubscriptionHandlers,
} from './types.js';

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
 *
 * The work is done below, each part by one module, wired here: {@link Connector} (one connection
 * after another, with the state machine of {@link Lifecycle} and frame dispatch), {@link Requests}
 * (ids, replies, timeouts, the queue while connecting), {@link Subscriptions} (rooms, resubscription,
 * recovery, delivery), {@link Credentials} (the token and the handshake URL).
 */
export class RoomcastClient extends Emitter<ClientEvents> implements SubscriptionOwner {
  private readonly scheduler: Scheduler;
  private readonly credentials: Credentials;
  private readonly requests: Requests;
  private readonly connector: Connector;
  private readonly subs: Subscriptions;
  private readonly publishRetry: Required<PublishRetryOptions>;
  private readonly random: () => number;

  constructor(private readonly options: ClientOptions) {
    super((e) => console.error('roomcast: a listener threw', e));
    if (!options || typeof options.url !== 'string' || options.url === '') throw new TypeError('url is required');
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: ClientOptions['WebSocket'] }).WebSocket;
    if (!impl) throw new TypeError('no WebSocket implementation: pass options.WebSocket (e.g. the ws package), or use the Node build');
    const codec = codecFor(options.format ?? 'proto');
    const backoff = new Backoff(options.backoff, options.random);
    const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 10_000);
    const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? 10_000);
    const heartbeatTimeoutFactor = positive('heartbeatTimeoutFactor', options.heartbeatTimeoutFactor ?? 2);
    const maxFramesPerMessage = positive('maxFramesPerMessage', options.maxFramesPerMessage ?? 50);
    const emit: Emit<ClientEvents> = this.emit.bind(this);
    this.scheduler = options.scheduler ?? realScheduler;
    this.random = options.random ?? Math.random;
    this.publishRetry = { attempts: 4, minDelayMs: 200, maxDelayMs: 5_000, ...options.publishRetry };
    positive('publishRetry.attempts', this.publishRetry.attempts);
    this.credentials = new Credentials(options.token, options.getToken);
    this.requests = new Requests(this.scheduler, requestTimeoutMs);
    this.connector = new Connector(
      { url: options.url, WebSocket: impl, codec, maxFramesPerMessage, connectTimeoutMs, heartbeatTimeoutFactor,
        tokenRefreshIntervalMs: options.tokenRefreshIntervalMs },
      this.scheduler, backoff, this.credentials, this.requests, () => this.subs, emit,
      () => this.refresh().catch((e) => emit('error', { context: 'refresh', error: asError(e) })));
    const connector = this.connector;
    this.subs = new Subscriptions(this, this.requests, {
      get connected() {
        return connector.state === 'connected';
      },
      send: (frames) => connector.send(frames),
      abort: (reason) => connector.abort(reason, 'transport'),
    }, this.scheduler, this.random, emit, options.serverSubscriptions);
  }

  get state(): ConnectionState {
    return this.connector.state;
  }

  /** The current connection's `connected` frame (node, session, ping interval), when connected. */
  get connection(): ConnectedEvent | undefined {
    return this.connector.connection;
  }

  /** The subscription of `room`, if any. */
  subscription(room: string): Subscription | undefined {
    return this.subs.get(room);
  }

  /** Starts connecting (and keeps reconnecting until disconnect() or final advice from the server). */
  connect(): void {
    this.connector.connect();
  }

  /** Closes the connection and stops reconnecting. Subscriptions stay: connect() resubscribes them. */
  disconnect(): void {
    this.connector.disconnect();
  }

  /**
   * Subscribes to `room`; messages go to `handlers.onMessage`. The subscription lasts across
   * reconnects until unsubscribe(). With `since`, delivery continues after that position (when the
   * server can replay it; see {@link SubscribedEvent.recovered}). With `joinLeave`, the room's join
   * and leave events go to `handlers.onJoin` and `handlers.onLeave`.
   *
   * @throws RoomcastError 409 when already subscribed to `room` on this client
   */
  subscribe(room: string, handlers: SubscriptionHandlers = {}, options: SubscribeOptions = {}): Subscription {
    return this.subs.add(room, handlers, options.since, options.joinLeave === true);
  }

  /** How many times the node said it dropped messages of a room for this slow client (each room was resumed from history). */
  get lagsRecovered(): number {
    return this.subs.lags;
  }

  /** Leaves `room`: no more callbacks from now on; resolves once the server confirmed, or at once when not connected. */
  unsubscribe(room: string): Promise<void> {
    return this.subs.remove(room);
  }

  /**
   * Publishes to `room` (subscribed or not). Resolves with the message's offset once the node
   * acknowledged it; rejects with a {@link RoomcastError} carrying the code (413 too large, 400 bad
   * room name, 403, 429 too many, 503 unavailable, 408 no reply in time, ...). Made while connecting,
   * it waits for the connection.
   *
   * Every publish carries an idempotency key (`options.idempotencyKey`, else a random one). A publish
   * that failed for a passing reason (error 503, no reply in time, the connection closed before the
   * ack) is sent again with the same key, after a backoff, up to `publishRetry.attempts` in all: the
   * node stores it once and every attempt gets the same offset. 429 is not retried (the node limits
   * this client's rate; retrying at once makes it worse): the caller decides when to try again.
   */
  async publish(room: string, payload: string | Uint8Array, options: PublishOptions = {}): Promise<PublishAck> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey(this.random);
    const body = typeof payload === 'string' ? { room, text: payload, idempotencyKey } : { room, data: payload, idempotencyKey };
    const retry = this.publishRetry;
    for (let attempt = 1; ; attempt++) {
      try {
        const frame = await this.request('publish', { publish: body });
        return { offset: num(frame.ack?.offset) };
      } catch (e) {
        if (attempt >= retry.attempts || !passing(e) || this.connector.lifecycle.stopped) throw e;
        const base = Math.min(retry.maxDelayMs, retry.minDelayMs * 2 ** (attempt - 1));
        await new Promise<void>((resolve) => this.scheduler.after(base * (1 - 0.5 * this.random()), resolve));
        if (this.connector.lifecycle.stopped) throw e;
      }
    }
  }

  /** Who is in `room` now: every member (session) with its user and info. Needs the right to read the room's presence. */
  async presence(room: string): Promise<PresenceReply> {
    const f = await this.request('presence', { presence: { room } });
    return { room: f.presence?.room || room, members: (f.presence?.members ?? []).map(memberOf) };
  }

  /** How many are in `room` now: sessions and distinct users. */
  async presenceStats(room: string): Promise<PresenceStatsReply> {
    const f = await this.request('presenceStats', { presenceStats: { room } });
    const s = f.presenceStats;
    return { room: s?.room || room, sessions: s?.sessions ?? 0, users: s?.users ?? 0 };
  }

  /** Measures the round trip to the node: resolves with milliseconds. */
  async ping(): Promise<number> {
    const start = this.scheduler.now();
    await this.request('ping', { ping: {} });
    return this.scheduler.now() - start;
  }

  /**
   * Gets a new token from `getToken` and, when connected, sends it in a `refresh` frame; the next
   * handshakes use it too.
   */
  async refresh(): Promise<void> {
    const getToken = this.options.getToken;
    if (!getToken) throw new TypeError('refresh() needs options.getToken');
    const token = await getToken();
    this.credentials.token = token;
    if (this.state === 'connected') await this.request('refresh', { refresh: { token } });
  }

  private request(request: string, frame: ClientFrameInit): Promise<ServerFrameMsg> {
    if (this.connector.lifecycle.stopped) {
      return Promise.reject(new RoomcastError(ErrorCode.UNAVAILABLE, 'client is not connected: call connect() first', request, 'client'));
    }
    return this.requests.request(request, frame, this.connector.sink());
  }
}

/** Whether a failed publish may succeed if sent again: the node was unavailable, or the reply never came. */
function passing(e: unknown): boolean {
  if (!(e instanceof RoomcastError)) return false;
  if (e.code === ErrorCode.UNAVAILABLE) return true; // the node's 503, or the connection closed before the ack
  return e.code === ErrorCode.TIMEOUT && e.source === 'client';
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new RangeError(`${name} must be positive: ${v}`);
  return v;
}
