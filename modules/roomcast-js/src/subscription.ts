import type { RoomcastError } from './errors.js';
import type { Timer } from './scheduler.js';
import type { Position, SubscribedEvent, SubscriptionHandlers } from './types.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed' | 'failed';

/** The owner of a subscription: the client, seen through the one call a subscription makes. */
export interface SubscriptionOwner {
  unsubscribe(room: string): Promise<void>;
}

/**
 * A room the client is subscribed to, or trying to be. It survives reconnects: the client
 * resubscribes with `since` = {@link Subscription.position}, the last position seen.
 */
export class Subscription {
  /** Where the subscription stands; `failed` after a refusal that retrying cannot fix. */
  state: SubscriptionState = 'subscribing';
  /** The last position seen in this room (from `subscribed` or a message); undefined before the first. */
  position: Position | undefined;
  /** Whether the server ever confirmed this subscription: the next subscribe is then a resubscription. */
  confirmed = false;
  /** @internal Pending retry of a subscribe the server could not serve for now. */
  retryTimer: Timer | undefined;
  /**
   * @internal Set while the room is resumed (after `lagged`, or a server-side room after a reconnect):
   * its messages and pushed `subscribed` are ignored until the reply to the resuming subscribe.
   */
  resuming = false;
  /** @internal The position a node's push gave while the client resumed the room (server-side rooms). */
  pushed: Position | undefined;
  /** Failed subscribe attempts in a row, for the retry delay. */
  failures = 0;
  /** Resolves at the first `subscribed`; rejects when the server refuses for good or the app unsubscribes first. */
  readonly ready: Promise<SubscribedEvent>;
  private settleReady!: { resolve: (e: SubscribedEvent) => void; reject: (e: Error) => void };

  /**
   * @param joinLeave whether the room's join and leave events are asked for
   * @param serverSide whether the node subscribed the client on its own (a personal room `@user`):
   *   the client does not ask for it on a new connection, but resumes it from its position
   */
  constructor(
    private readonly owner: SubscriptionOwner,
    readonly room: string,
    private callbacks: SubscriptionHandlers,
    since?: Position,
    readonly joinLeave = false,
    readonly serverSide = false,
  ) {
    this.position = since;
    this.ready = new Promise<SubscribedEvent>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    this.ready.catch(() => {}); // a rejection nobody awaits is not an unhandled error
  }

  /** The room's callbacks. */
  get handlers(): SubscriptionHandlers {
    return this.callbacks;
  }

  /** Replaces the room's callbacks, e.g. of a subscription the node made on its own. */
  setHandlers(handlers: SubscriptionHandlers): void {
    this.callbacks = handlers;
  }

  /** Leaves the room: no more callbacks from now on; resolves when the server confirmed (or there is no connection). */
  unsubscribe(): Promise<void> {
    return this.owner.unsubscribe(this.room);
  }

  /** @internal */
  onConfirmed(e: SubscribedEvent): void {
    this.state = 'subscribed';
    this.confirmed = true;
    this.failures = 0;
    this.settleReady.resolve(e);
  }

  /** @internal */
  onFailed(error: RoomcastError): void {
    this.state = 'failed';
    this.settleReady.reject(error);
  }

  /** @internal */
  onEnded(error: Error): void {
    if (this.state !== 'failed') this.state = 'unsubscribed';
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.settleReady.reject(error);
  }
}
