/**
 * The Node build: the same client, with the `ws` package as its WebSocket unless the runtime has a
 * global one (Node 22+) or options.WebSocket names another.
 */
import WebSocket from 'ws';
import { RoomcastClient as BaseClient } from './client.js';
import type { ClientOptions, WebSocketConstructor } from './types.js';

export * from './index.js';

const defaultWebSocket: WebSocketConstructor =
  (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? (WebSocket as unknown as WebSocketConstructor);

export class RoomcastClient extends BaseClient {
  constructor(options: ClientOptions) {
    super({ ...options, WebSocket: options.WebSocket ?? defaultWebSocket });
  }
}
