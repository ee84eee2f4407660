import type { ServerFrameMsg } from './codec.js';

type Field<K extends keyof ServerFrameMsg> = NonNullable<ServerFrameMsg[K]>;

/** Where each kind of server frame goes. */
export interface FrameHandlers {
  message(m: Field<'message'>): void;
  ping(): void;
  connected(c: Field<'connected'>): void;
  disconnect(d: Field<'disconnect'>): void;
  /** A `subscribed` without an id: the node reports a gap or a new epoch mid-stream. */
  streamReset(s: Field<'subscribed'>): void;
  /** An `unsubscribed` without an id: the node left the room on its own (e.g. 403, a refreshed token no longer grants it). */
  revoked(u: Field<'unsubscribed'>): void;
  /** The node dropped messages of a room for this slow client. */
  lagged(l: Field<'lagged'>): void;
  /** A session joined a room (subscribers with join_leave). */
  join(j: Field<'join'>): void;
  /** A session left a room (subscribers with join_leave). */
  leave(l: Field<'leave'>): void;
  /** Any other frame with an id: the reply to a request. */
  reply(f: ServerFrameMsg): void;
  /** An `error` without an id. */
  error(e: Field<'error'>): void;
}

/** Routes one server frame to its handler; frames of no known kind are ignored. */
export function dispatch(f: ServerFrameMsg, on: FrameHandlers): void {
  const hasId = f.id !== null && f.id !== undefined;
  if (f.message) on.message(f.message);
  else if (f.ping) on.ping();
  else if (f.connected) on.connected(f.connected);
  else if (f.disconnect) on.disconnect(f.disconnect);
  else if (f.subscribed && !hasId) on.streamReset(f.subscribed);
  else if (f.unsubscribed && !hasId) on.revoked(f.unsubscribed);
  else if (f.lagged) on.lagged(f.lagged);
  else if (f.join) on.join(f.join);
  else if (f.leave) on.leave(f.leave);
  else if (hasId) on.reply(f);
  else if (f.error) on.error(f.error);
}
