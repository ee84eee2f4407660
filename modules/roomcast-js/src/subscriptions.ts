import { memberOf, num, type ClientFrameInit, type ServerFrameMsg } from './codec.js';
import type { Emit } from './emitter.js';
import { ErrorCode, RoomcastError } from './errors.js';
import type { Requests } from './requests.js';
import type { Scheduler } from './scheduler.js';
import { Subscription, type SubscriptionOwner } from './subscription.js';
import type { ClientEvents, Position, RoomMessage, SubscribedEvent, SubscriptionHandlers } from './types.js';

/** The handlers of a room the node subscribed the client to on its own. */
export type ServerSubscriptionHandlers = (room: string) => SubscriptionHandlers;

/** What the subscriptions need from the connection they live on, passed down by the client. */
export interface SubscriptionLink {
  /** Whether the client is connected (frames sent now reach the node). */
  readonly connected: boolean;
  /** Sends frames on the open connection, batched. */
  send(frames: ClientFrameInit[]): void;
  /** Gives up on the connection and reconnects. */
  abort(reason: string): void;
}

/**
 * The rooms of the client: subscribe and unsubscribe, resubscription from the last position seen,
 * retries of a subscribe the node could not serve for now, the `subscribed` replies and stream resets,
 * message delivery (each offset once), resumes after `lagged`, join and leave events, and the rooms
 * the node subscribes the client to on its own (personal rooms `@user`).
 */
export class Subscriptions {
  /** Rooms by name: subscribed, or to be subscribed at the next connection. */
  private readonly subs = new Map<string, Subscription>();
  /** `lagged` frames acted on (each resumed its room from history). */
  lags = 0;

  constructor(private readonly owner: SubscriptionOwner, private readonly requests: Requests,
      private readonly link: SubscriptionLink, private readonly scheduler: Scheduler,
      private readonly random: () => number, private readonly emit: Emit<ClientEvents>,
      private readonly serverHandlers: ServerSubscriptionHandlers = () => ({})) {}

  get(room: string): Subscription | undefined {
    return this.subs.get(room);
  }

  /** @throws RoomcastError 409 when already subscribed to `room` */
  add(room: string, handlers: SubscriptionHandlers, since: Position | undefined, joinLeave = false): Subscription {
    if (this.subs.has(room)) {
      throw new RoomcastError(ErrorCode.ALREADY_SUBSCRIBED, `already subscribed to ${room}`, 'subscribe', 'client');
    }
    const sub = new Subscription(this.owner, room, handlers, since, joinLeave);
    this.subs.set(room, sub);
    if (this.link.connected) this.sendSubscribes([sub]);
    return sub;
  }

  remove(room: string): Promise<void> {
    const sub = this.subs.get(room);
    if (!sub) return Promise.resolve();
    this.subs.delete(room);
    sub.onEnded(new RoomcastError(ErrorCode.NOT_SUBSCRIBED, `unsubscribed from ${room}`, 'subscribe', 'client'));
    call(() => sub.handlers.onUnsubscribed?.());
    this.emit('unsubscribed', room);
    if (!this.link.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const id = this.requests.internal('unsubscribe', () => resolve(), () => resolve());
      this.link.send([{ id, unsubscribe: { room } }]);
    });
  }

  /**
   * A new connection: every room is subscribed again, from its last position. A room the node
   * subscribed the client to on its own is subscribed again by the node at connect (it pushes
   * `subscribed`): the client asks for it only to resume it from a known position, and ignores the
   * push and the room's messages until the reply.
   */
  resubscribeAll(): void {
    const subs: Subscription[] = [];
    for (const sub of this.subs.values()) {
      if (!sub.serverSide) subs.push(sub);
      else if (sub.state === 'subscribing' && sub.position) {
        sub.resuming = true;
        subs.push(sub);
      }
    }
    this.sendSubscribes(subs);
  }

  /** The connection closed: retries wait for the next one, confirmed rooms go back to `subscribing`. */
  connectionClosed(): void {
    for (const sub of this.subs.values()) {
      sub.retryTimer?.cancel();
      sub.retryTimer = undefined;
      sub.resuming = false;
      sub.pushed = undefined;
      if (sub.state === 'subscribed') sub.state = 'subscribing';
    }
  }

  /** A `message` frame: delivered to its room's handler, then to the client's `message` listeners; an offset seen already is dropped. */
  onMessage(m: NonNullable<ServerFrameMsg['message']>): void {
    const room = m.room ?? '';
    const sub = this.subs.get(room);
    if (!sub) {
      // A message to this very connection (`$<session>`): no subscription, no offset; the client's
      // `message` listeners hear it. Any other room was left meanwhile.
      if (room.startsWith('$')) this.emit('message', toMessage(m));
      return;
    }
    if (sub.resuming) return; // the resumed subscription replays it
    const offset = num(m.offset);
    const epoch = m.epoch ?? '';
    if (offset !== undefined) {
      const last = sub.position;
      if (last && last.epoch === epoch && offset <= last.offset) return; // seen already
      sub.position = { offset, epoch };
    }
    const msg = toMessage(m);
    call(() => sub.handlers.onMessage?.(msg));
    this.emit('message', msg);
  }

  /**
   * An unsolicited `subscribed` (no id): while connected, the node found a gap it cannot fill or the
   * room's epoch changed. The stream goes on from the given position; the app must reload its state.
   */
  onStreamReset(s: NonNullable<ServerFrameMsg['subscribed']>): void {
    const room = s.room ?? '';
    const sub = this.subs.get(room);
    const position: Position = { offset: num(s.position?.offset) ?? 0, epoch: s.position?.epoch ?? '' };
    if (!sub) {
      this.serverSubscribed(room, position);
      return;
    }
    if (sub.serverSide && sub.state === 'subscribing') {
      if (sub.resuming) sub.pushed = position; // the reply to the client's resume decides
      else this.confirm(sub, undefined, position, undefined); // the node's subscription at connect; nothing to resume from
      return;
    }
    if (sub.state !== 'subscribed' || sub.resuming) return;
    const since = sub.position;
    sub.position = position;
    const event: SubscribedEvent = { room: sub.room, position, resubscribed: false, recovered: s.recovered ?? false };
    if (since) event.since = since;
    call(() => sub.handlers.onSubscribed?.(event));
    this.emit('subscribed', event);
  }

  /**
   * An unsolicited `unsubscribed` (no id): the node left the room on its own, e.g. with code 403 when
   * a refreshed token no longer grants it. The room is gone for good: it fails with that code and is
   * not subscribed again, on this connection or the next.
   */
  onRevoked(u: NonNullable<ServerFrameMsg['unsubscribed']>): void {
    const room = u.room ?? '';
    const sub = this.subs.get(room);
    if (!sub) return;
    this.subs.delete(room);
    sub.retryTimer?.cancel();
    sub.retryTimer = undefined;
    const error = new RoomcastError(u.code || ErrorCode.FORBIDDEN, `the node ended the subscription to ${room}`, 'subscribe', 'server');
    sub.onFailed(error);
    call(() => sub.handlers.onError?.(error));
    this.emit('error', { context: 'subscribe', error, room });
    call(() => sub.handlers.onUnsubscribed?.());
    this.emit('unsubscribed', room);
  }

  /**
   * A `lagged` frame: the node dropped messages of the room that the client read too slowly. The
   * room is resumed from history: unsubscribe, then subscribe with since = the last offset
   * delivered; its messages are ignored until the new `subscribed` (the replay brings them in order).
   */
  onLagged(l: NonNullable<ServerFrameMsg['lagged']>): void {
    const room = l.room ?? '';
    const sub = this.subs.get(room);
    if (!sub || sub.state !== 'subscribed' || sub.resuming || !this.link.connected) return;
    this.lags++;
    sub.resuming = true;
    this.emit('lagged', { room, position: { offset: num(l.position?.offset) ?? 0, epoch: l.position?.epoch ?? '' } });
    const id = this.requests.internal('unsubscribe', () => {}, () => {});
    this.link.send([{ id, unsubscribe: { room } }]);
    this.sendSubscribes([sub]);
  }

  /** A `join` or `leave` frame: to the room's onJoin/onLeave, then the client's listeners. */
  onMember(kind: 'join' | 'leave', f: NonNullable<ServerFrameMsg['join']>): void {
    const room = f.room ?? '';
    const sub = this.subs.get(room);
    if (!sub) return;
    const member = memberOf(f.member);
    if (kind === 'join') call(() => sub.handlers.onJoin?.(member, room));
    else call(() => sub.handlers.onLeave?.(member, room));
    this.emit(kind, { room, member });
  }

  /** An unsolicited `subscribed` for a room the client is not in: the node subscribed it on its own. */
  private serverSubscribed(room: string, position: Position): void {
    let handlers: SubscriptionHandlers = {};
    try {
      handlers = this.serverHandlers(room) ?? {};
    } catch (e) {
      console.error('roomcast: serverSubscriptions threw', e);
    }
    const sub = new Subscription(this.owner, room, handlers, undefined, false, true);
    this.subs.set(room, sub);
    this.emit('serverSubscribed', sub); // a listener may set the handlers
    if (this.subs.get(room) === sub) this.confirm(sub, undefined, position, undefined);
  }

  private sendSubscribes(subs: Subscription[]): void {
    const frames: ClientFrameInit[] = [];
    for (const sub of subs) {
      if (this.subs.get(sub.room) !== sub) continue;
      sub.state = 'subscribing';
      const since = sub.position ? { ...sub.position } : undefined;
      const id = this.requests.internal('subscribe',
        (f) => this.onSubscribeReply(sub, since, f),
        (e) => this.onSubscribeFailed(sub, e));
      const subscribe: NonNullable<ClientFrameInit['subscribe']> = { room: sub.room };
      if (since) subscribe.since = { offset: since.offset, epoch: since.epoch };
      if (sub.joinLeave) subscribe.joinLeave = true;
      frames.push({ id, subscribe });
    }
    if (frames.length > 0) this.link.send(frames);
  }

  private onSubscribeReply(sub: Subscription, since: Position | undefined, f: ServerFrameMsg): void {
    if (this.subs.get(sub.room) !== sub || !f.subscribed) return;
    const s = f.subscribed;
    const position: Position = { offset: num(s.position?.offset) ?? 0, epoch: s.position?.epoch ?? '' };
    this.confirm(sub, since, position, s.recovered ?? undefined);
  }

  /** A subscription took effect at `position` (after a subscribe from `since`, if any): the events, and where delivery goes on. */
  private confirm(sub: Subscription, since: Position | undefined, position: Position, serverRecovered: boolean | undefined): void {
    sub.resuming = false;
    sub.pushed = undefined;
    if (!since && sub.position && sub.confirmed) since = sub.position; // a server-side room back after a reconnect
    let recovered: boolean | undefined;
    if (since) {
      if (serverRecovered !== undefined) recovered = serverRecovered;
      else if (since.epoch !== position.epoch) recovered = false; // offsets of two epochs are unrelated
      else if (since.offset === position.offset) recovered = true; // nothing was published meanwhile
      else if (sub.serverSide) recovered = false; // the node's own subscription continues from its position
    }
    // Unless the server replays the gap, delivery continues from its current position.
    if (recovered !== true || !sub.position) sub.position = position;
    const event: SubscribedEvent = { room: sub.room, position, resubscribed: sub.confirmed };
    if (since) {
      event.since = since;
      event.recovered = recovered;
    }
    sub.onConfirmed(event);
    call(() => sub.handlers.onSubscribed?.(event));
    this.emit('subscribed', event);
  }

  private onSubscribeFailed(sub: Subscription, error: RoomcastError): void {
    if (this.subs.get(sub.room) !== sub) return;
    if (sub.serverSide && sub.resuming && error.code === ErrorCode.ALREADY_SUBSCRIBED) {
      // A node that does not resume a room it subscribed the client to: the stream goes on from its push.
      sub.resuming = false;
      const pushed = sub.pushed;
      if (pushed) this.confirm(sub, sub.position, pushed, undefined);
      return;
    }
    if (error.code === ErrorCode.TIMEOUT && error.source === 'client') {
      // The node may still take it (a retry would then be refused with 409): start over on a new connection.
      this.link.abort(`no reply to subscribe ${sub.room} within ${this.requests.timeoutMs} ms`);
      return;
    }
    call(() => sub.handlers.onError?.(error));
    this.emit('error', { context: 'subscribe', error, room: sub.room });
    if (error.retryable) {
      sub.failures++;
      const delay = Math.min(10_000, 250 * 2 ** Math.min(sub.failures, 6)) * (1 - 0.5 * this.random());
      sub.retryTimer = this.scheduler.after(delay, () => {
        sub.retryTimer = undefined;
        if (this.link.connected) this.sendSubscribes([sub]);
      });
      return;
    }
    this.subs.delete(sub.room);
    sub.onFailed(error);
  }
}

function toMessage(m: NonNullable<ServerFrameMsg['message']>): RoomMessage {
  const msg: RoomMessage = { room: m.room ?? '', epoch: m.epoch ?? '', timeMs: num(m.timeMs) ?? 0 };
  const offset = num(m.offset);
  if (offset !== undefined) msg.offset = offset;
  if (m.text !== null && m.text !== undefined) msg.text = m.text;
  else if (m.data) msg.data = m.data;
  return msg;
}

/** Runs an application callback; what it throws is reported, not propagated into the client. */
function call(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    console.error('roomcast: a subscription handler threw', e);
  }
}
