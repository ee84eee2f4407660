/**
 * roomcast client for browsers (native WebSocket) and Node (see the Node build, which uses `ws`).
 * Binary protobuf frames by default, protobuf JSON with `format: 'json'`.
 */
export { RoomcastClient } from './client.js';
export { Subscription, type SubscriptionState } from './subscription.js';
export { RoomcastError, ErrorCode, type ErrorCodeValue } from './errors.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { SUBPROTOCOL, type WireFormatName } from './codec.js';
export { newIdempotencyKey } from './idempotency.js';
export type { Scheduler, Timer } from './scheduler.js';
export type {
  ClientEvents, ClientOptions, ConnectedEvent, ConnectingEvent, ConnectionState, DisconnectedEvent, ErrorContext,
  ErrorEvent, LaggedEvent, Member, MemberEvent, Position, PresenceReply, PresenceStatsReply, PublishAck, PublishOptions,
  PublishRetryOptions, RoomMessage, SubscribedEvent, SubscribeOptions, SubscriptionHandlers, WebSocketConstructor, WebSocketLike,
} from './types.js';

/**
 * The WebSocket endpoint of the node (or load balancer) that served the current page: `/ws` on
 * the same host, `wss:` when the page came over https. Only meaningful in a browser.
 */
export function defaultUrl(path = '/ws'): string {
  const loc = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (!loc) throw new Error('defaultUrl() needs a page location: pass the URL explicitly outside browsers');
  return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + path;
}
