import { adviceFor, adviceFrom, CLOSE_TIMEOUT, TOKEN_EXPIRED, type Advice } from './advice.js';
import type { Backoff } from './backoff.js';
import type { ClientFrameInit, Codec, ServerFrameMsg } from './codec.js';
import type { Credentials } from './credentials.js';
import { dispatch, type FrameHandlers } from './dispatch.js';
import { ErrorCode, RoomcastError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { Lifecycle } from './lifecycle.js';
import { asError, Link } from './link.js';
import type { Requests, RequestSink } from './requests.js';
import { every, type Scheduler, type Timer } from './scheduler.js';
import type { Emit } from './emitter.js';
import type { Subscriptions } from './subscriptions.js';
import type { ClientEvents, ConnectedEvent, ConnectionState, WebSocketConstructor } from './types.js';

/** The settings of the connection, checked by the client. */
export interface ConnectorSettings {
  url: string;
  WebSocket: WebSocketConstructor;
  codec: Codec;
  maxFramesPerMessage: number;
  connectTimeoutMs: number;
  heartbeatTimeoutFactor: number;
  /** With getToken: call `refreshDue` this often while connected. */
  tokenRefreshIntervalMs: number | undefined;
}

/**
 * One connection after another: each attempt (a token first when needed, the handshake URL, the
 * socket), its `connected` frame (heartbeat watchdog, token refresh timer, resubscription, queued
 * requests), its frames dispatched to the requests and the rooms, and its end (clean-up, then
 * reconnect or stop through the {@link Lifecycle}).
 */
export class Connector {
  readonly lifecycle: Lifecycle;
  /** The current connection's link, from its creation until it closes; null between connections. */
  private link: Link | null = null;
  /** The current connection's `connected` frame; undefined until it arrived. */
  private info: ConnectedEvent | undefined;
  /** The server's advice for the current connection, from its `disconnect` frame. */
  private advice: Advice | null = null;
  /** Whether any connection succeeded since the client was made: later ones are reconnections. */
  private everConnected = false;
  /** Gives up on an attempt without a `connected` frame. */
  private connectTimer: Timer | undefined;
  /** The dead-link watchdog of the current connection, when the node pings. */
  private heartbeat: Heartbeat | undefined;
  /** The token refresh timer of the current connection. */
  private refreshTimer: Timer | undefined;
  private readonly handlers: FrameHandlers;

  /**
   * @param rooms the client's subscriptions (created with this connector's link functions)
   * @param refreshDue the token refresh timer fired (the client gets and sends a new token)
   */
  constructor(private readonly settings: ConnectorSettings, private readonly scheduler: Scheduler, backoff: Backoff,
      private readonly credentials: Credentials, private readonly requests: Requests,
      private readonly rooms: () => Subscriptions, private readonly emit: Emit<ClientEvents>, private readonly refreshDue: () => void) {
    this.lifecycle = new Lifecycle(backoff, scheduler, emit, () => void this.open(), (reason) => requests.failQueued(reason));
    this.handlers = {
      message: (m) => this.rooms().onMessage(m),
      ping: () => this.send([{ pong: {} }]),
      connected: (c) => this.onConnected(c),
      disconnect: (d) => {
        this.advice = adviceFrom(d);
      },
      streamReset: (s) => this.rooms().onStreamReset(s),
      revoked: (u) => this.rooms().onRevoked(u),
      lagged: (l) => this.rooms().onLagged(l),
      join: (j) => this.rooms().onMember('join', j),
      leave: (l) => this.rooms().onMember('leave', l),
      reply: (f) => {
        if (f.error?.code === ErrorCode.UNAUTHORIZED && requests.waiting(f.id!)) credentials.expired = true;
        requests.settle(f);
      },
      error: (e) => this.emit('error', { context: 'protocol', error: new RoomcastError(e.code ?? 0, e.message ?? '', 'unknown', 'server') }),
    };
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  /** The current connection's `connected` frame, when connected. */
  get connection(): ConnectedEvent | undefined {
    return this.lifecycle.state === 'connected' ? this.info : undefined;
  }

  /** Where requests go while connected; undefined while not (they wait in the queue). */
  sink(): RequestSink | undefined {
    if (this.lifecycle.state !== 'connected') return undefined;
    return {
      encode: (frame) => (this.link ? this.link.encode(frame) : this.settings.codec.encode([frame])),
      sendEncoded: (message) => this.link?.sendEncoded(message),
      maxMessageBytes: this.info?.maxMessageBytes ?? 0,
    };
  }

  /** Sends frames on the current connection, if any. */
  send(frames: ClientFrameInit[]): void {
    this.link?.send(frames);
  }

  connect(): void {
    this.lifecycle.start();
  }

  disconnect(): void {
    const lifecycle = this.lifecycle;
    if (lifecycle.stopped && lifecycle.state === 'disconnected') return;
    lifecycle.stop();
    if (this.link) {
      this.link.close(1000, 'client disconnect');
      this.closed({ code: 1000, reason: 'client disconnect', reconnect: false });
    } else {
      this.requests.failQueued('client disconnected');
      const wasConnecting = lifecycle.state !== 'disconnected';
      lifecycle.setState('disconnected');
      if (wasConnecting) this.emit('disconnected', { code: 1000, reason: 'client disconnect', reconnect: false });
    }
  }

  /** Gives up on the current socket at once (a dead link may not finish a close handshake) and reconnects. */
  abort(reason: string, context: 'transport' | 'heartbeat' | 'protocol'): void {
    const link = this.link;
    if (!link) return;
    this.emit('error', { context, error: new Error(reason) });
    link.close(CLOSE_TIMEOUT, 'timeout');
    this.closed({ code: 1006, reason, reconnect: true });
  }

  private async open(): Promise<void> {
    const lifecycle = this.lifecycle;
    const generation = lifecycle.generation;
    if (this.credentials.needsToken) {
      try {
        await this.credentials.renew();
      } catch (e) {
        if (generation !== lifecycle.generation) return;
        this.emit('error', { context: 'token', error: asError(e) });
        lifecycle.retryLater({ code: 1006, reason: 'could not get a token', reconnect: true });
        return;
      }
    }
    if (lifecycle.stopped || generation !== lifecycle.generation) return;
    const s = this.settings;
    let link: Link;
    try {
      link = new Link(s.WebSocket, this.credentials.handshakeUrl(s.url), s.codec, s.maxFramesPerMessage, {
        frames: (frames) => this.onFrames(link, frames),
        undecodable: (e) => this.abort(`undecodable message from the server: ${e.message}`, 'protocol'),
        error: (message) => this.emit('error', { context: 'transport', error: new Error(message) }),
        closed: (code, reason) => this.closed(this.advice ?? adviceFor(code, reason)),
        sendFailed: (e) => this.emit('error', { context: 'transport', error: e }),
      });
    } catch (e) {
      this.emit('error', { context: 'transport', error: asError(e) });
      lifecycle.retryLater({ code: 1006, reason: 'could not open a WebSocket', reconnect: true });
      return;
    }
    this.link = link;
    this.advice = null;
    this.info = undefined;
    this.connectTimer = this.scheduler.after(s.connectTimeoutMs, () => {
      this.abort(`no connected frame within ${s.connectTimeoutMs} ms`, 'transport');
    });
  }

  private onFrames(link: Link, frames: ServerFrameMsg[]): void {
    this.heartbeat?.frameArrived();
    for (const f of frames) {
      if (this.link !== link) return; // a frame closed the connection
      dispatch(f, this.handlers);
    }
  }

  private onConnected(c: NonNullable<ServerFrameMsg['connected']>): void {
    if (this.info) return;
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    const info: ConnectedEvent = {
      node: c.node ?? '',
      session: c.session ?? '',
      pingIntervalMs: c.pingIntervalMs ?? 0,
      maxMessageBytes: c.maxMessageBytes ?? 0,
      reconnected: this.everConnected,
    };
    this.info = info;
    this.everConnected = true;
    this.lifecycle.connected();
    this.emit('connected', { ...info });
    if (!this.link) return; // a listener disconnected
    if (info.pingIntervalMs > 0) {
      this.heartbeat = new Heartbeat(this.scheduler, info.pingIntervalMs * this.settings.heartbeatTimeoutFactor, (silent) => {
        this.abort(`no frame from the server for ${Math.round(silent)} ms (ping interval ${info.pingIntervalMs} ms)`, 'heartbeat');
      });
    }
    const refreshEvery = this.settings.tokenRefreshIntervalMs;
    if (this.credentials.getToken && refreshEvery && refreshEvery > 0) {
      this.refreshTimer = every(this.scheduler, refreshEvery, this.refreshDue);
    }
    this.rooms().resubscribeAll();
    this.requests.flush(this.sink()!);
  }

  /** The current connection closed (or was given up): clean up, then reconnect or stop as advised. */
  private closed(advice: Advice): void {
    this.link = null;
    this.info = undefined;
    this.advice = null;
    this.connectTimer?.cancel();
    this.heartbeat?.stop();
    this.refreshTimer?.cancel();
    this.connectTimer = this.heartbeat = this.refreshTimer = undefined;
    this.requests.connectionClosed();
    this.rooms().connectionClosed();
    if (advice.code === TOKEN_EXPIRED) this.credentials.expired = true;
    this.lifecycle.ended(advice);
  }
}
