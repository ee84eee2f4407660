import type { BackoffOptions } from './backoff.js';
import type { RoomcastError } from './errors.js';
import type { WireFormatName } from './codec.js';
import type { Scheduler } from './scheduler.js';
import type { Subscription } from './subscription.js';

/** A point in a room's stream: offsets grow by one per publish; an epoch change means history was lost. */
export interface Position {
  offset: number;
  epoch: string;
}

/** A message delivered to a room. Exactly one of `text` and `data` is set. */
export interface RoomMessage {
  room: string;
  text?: string;
  data?: Uint8Array;
  /** Absent for messages injected into a room's channel without the publish script (raw PUBLISH). */
  offset?: number;
  epoch: string;
  /** When the broker accepted it, ms since the Unix epoch (0 when the server did not say). */
  timeMs: number;
}

/** The reply to a publish. */
export interface PublishAck {
  /** The offset the message received (absent when the broker gives none). */
  offset?: number;
}

/** Options of one publish. */
export interface PublishOptions {
  /**
   * The publish's idempotency key (at most 64 bytes): a publish with the same key in the same room
   * within the node's idempotency window is stored once, and a retry gets the same offset back.
   * Default: a fresh random key (16 bytes, base64url), kept across the client's own retries.
   */
  idempotencyKey?: string;
}

/** One session in a room: one user with two tabs is two members of one user. */
export interface Member {
  /** The token's subject; empty for anonymous clients. */
  user: string;
  /** The session's id, as in its `connected` event. */
  session: string;
  /** The token's `roomcast.info` claim, a JSON object; absent when the token has none. */
  info?: Record<string, unknown>;
}

/** Who is in a room: the reply to presence(). */
export interface PresenceReply {
  room: string;
  members: Member[];
}

/** How many are in a room: the reply to presenceStats(). */
export interface PresenceStatsReply {
  room: string;
  /** Members (sessions) in the room. */
  sessions: number;
  /** Distinct users among them (anonymous sessions are not counted). */
  users: number;
}

/** A session joined or left a subscribed room (subscriptions with `joinLeave: true`). */
export interface MemberEvent {
  room: string;
  member: Member;
}

/** The node dropped messages of a room the client read too slowly; the client resumes the room from history. */
export interface LaggedEvent {
  room: string;
  /** The last message of the room the node had handed over before the dropped ones. */
  position: Position;
}

/** Options of subscribe(). */
export interface SubscribeOptions {
  /** Resume from a stored position: delivery continues after it (when the node can replay it). */
  since?: Position;
  /** Receive the room's join and leave events (onJoin, onLeave; the client's `join` and `leave` events). */
  joinLeave?: boolean;
}

/** How a publish that failed for a passing reason is tried again, with the same idempotency key. */
export interface PublishRetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. Default 4. */
  attempts?: number;
  /** Delay before the first retry, ms; doubled after each, with jitter. Default 200. */
  minDelayMs?: number;
  /** Largest delay between attempts, ms. Default 5 000. */
  maxDelayMs?: number;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

/** Told by `connected`: the node's first frame on every connection. */
export interface ConnectedEvent {
  node: string;
  session: string;
  /** How often the server pings; 0 when it does not, and the client then does not watch for silence. */
  pingIntervalMs: number;
  maxMessageBytes: number;
  /** Whether this is a reconnection (the client was connected before). */
  reconnected: boolean;
}

export interface ConnectingEvent {
  /** 0 for the first attempt after connect() or after a success, then 1, 2, ... */
  attempt: number;
  /** How long the client waited before this attempt, in ms. */
  delayMs: number;
}

/** Why a connection ended and what the client does next. */
export interface DisconnectedEvent {
  /** The server's disconnect code, else the WebSocket close code (1006 when the link just died). */
  code: number;
  reason: string;
  /** Whether the client reconnects: the server's advice, or the close code's meaning, unless disconnect() was called. */
  reconnect: boolean;
  /** The server's advice: do not reconnect before this many ms. */
  retryAfterMs?: number;
  /** When the client reconnects: in how many ms. */
  reconnectInMs?: number;
}

/**
 * A subscription took effect (or was re-established after a reconnect), or, with `resubscribed`
 * false and `recovered` false, the node reports mid-stream that messages were lost (a gap it could
 * not fill from history, or the room's epoch changed): delivery goes on from `position`.
 */
export interface SubscribedEvent {
  room: string;
  /** The room's latest position when the subscription took effect (the position delivery continues from). */
  position: Position;
  /** Whether this follows a reconnect (the subscription was re-established, with `since`). */
  resubscribed: boolean;
  /** The position the client asked to continue from, on a resubscription. */
  since?: Position;
  /**
   * On a resubscription: true when nothing was lost (the server replayed the gap, or nothing was
   * published meanwhile), false when messages may have been lost and the app must reload its state.
   * The server's `recovered` when it reports one; else false when the epoch changed (history lost),
   * true when the position did not move, and undefined when the server could not say.
   */
  recovered?: boolean;
}

export type ErrorContext = 'transport' | 'protocol' | 'heartbeat' | 'subscribe' | 'refresh' | 'token';

export interface ErrorEvent {
  context: ErrorContext;
  error: Error | RoomcastError;
  room?: string;
}

/** Typed events of the client: `client.on('connected', e => ...)`. */
export interface ClientEvents {
  state: (state: ConnectionState, previous: ConnectionState) => void;
  connecting: (e: ConnectingEvent) => void;
  connected: (e: ConnectedEvent) => void;
  disconnected: (e: DisconnectedEvent) => void;
  error: (e: ErrorEvent) => void;
  subscribed: (e: SubscribedEvent) => void;
  unsubscribed: (room: string) => void;
  /**
   * The node subscribed this client to a room on its own (a personal room `@user`, at connect): the
   * subscription is made, with the handlers of options.serverSubscriptions, and its messages follow.
   */
  serverSubscribed: (sub: Subscription) => void;
  /** A session joined a room subscribed with `joinLeave: true` (after the room's own onJoin). */
  join: (e: MemberEvent) => void;
  /** A session left a room subscribed with `joinLeave: true` (after the room's own onLeave). */
  leave: (e: MemberEvent) => void;
  /** The node dropped messages of a room for this slow client; the room is being resumed from history. */
  lagged: (e: LaggedEvent) => void;
  /** Every message of every room (after the room's own handler). */
  message: (m: RoomMessage) => void;
}

/** Per-room callbacks given to subscribe(). */
export interface SubscriptionHandlers {
  onMessage?: (m: RoomMessage) => void;
  onSubscribed?: (e: SubscribedEvent) => void;
  /** A subscribe the server refused: final unless `error.retryable` (then the client tries again). */
  onError?: (error: RoomcastError) => void;
  onUnsubscribed?: () => void;
  /** With `joinLeave: true`: a session joined the room. */
  onJoin?: (member: Member, room: string) => void;
  /** With `joinLeave: true`: a session left the room (and did not come back within the node's grace). */
  onLeave?: (member: Member, room: string) => void;
}

/** The part of the WebSocket API the client uses: browsers' WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly protocol: string;
  readonly readyState: number;
  binaryType: string;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string | ArrayBufferLike | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface ClientOptions {
  /** The node's WebSocket endpoint, e.g. `wss://example.com/ws`; see `defaultUrl()` for pages served by a node. */
  url: string;
  /** Sent as the query parameter `token` of every handshake. */
  token?: string;
  /**
   * Gives a new token: called before connecting when there is no token, when the server says the
   * token expired (disconnect 4001 or error 401), every `tokenRefreshIntervalMs`, and by refresh().
   * A fresh token on an open connection goes to the server in a `refresh` frame.
   */
  getToken?: () => string | Promise<string>;
  /** With getToken: refresh the token this often while connected. Default: never on a timer. */
  tokenRefreshIntervalMs?: number;
  /** `proto` (binary, default) or `json` (protobuf's JSON mapping; readable in dev tools). */
  format?: WireFormatName;
  /** The WebSocket implementation; default the global one (browsers, Node 22+), or `ws` in the Node build. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect delays (exponential with jitter). */
  backoff?: BackoffOptions;
  /** How long a request (publish, subscribe, ping, refresh) waits for its reply. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** How long the handshake plus the `connected` frame may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Silence after which the link counts as dead: this many times the server's ping interval. Default 2. */
  heartbeatTimeoutFactor?: number;
  /** Largest number of frames the client puts in one WebSocket message. Default 50. */
  maxFramesPerMessage?: number;
  /** Random numbers for the jitter (tests). */
  random?: () => number;
  /** The clock and timers (tests): default the runtime's setTimeout and performance.now(). */
  scheduler?: Scheduler;
  /**
   * Publishes that failed for a passing reason (error 503, no reply in time, the connection closed
   * before the ack) are sent again with the same idempotency key, after a backoff.
   */
  publishRetry?: PublishRetryOptions;
  /**
   * The handlers of a room the node subscribes this client to on its own (the personal room `@user`
   * of the token's user). Default: none (its messages still reach the client's `message` event).
   */
  serverSubscriptions?: (room: string) => SubscriptionHandlers;
}
