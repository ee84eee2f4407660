import { codecFor, codecForSubprotocol, SUBPROTOCOL, type ClientFrameInit, type Codec, type ServerFrameMsg } from './codec.js';
import type { WebSocketConstructor, WebSocketLike } from './types.js';

/** What a link reports, each call only while the link is open (never after close() or the socket's close). */
export interface LinkEvents {
  /** A message arrived and decoded into frames, in order. */
  frames(frames: ServerFrameMsg[]): void;
  /** A message arrived that does not decode. */
  undecodable(error: Error): void;
  /** The socket reported an error (it closes next). */
  error(message: string): void;
  /** The socket closed. */
  closed(code: number, reason: string): void;
  /** A send failed. */
  sendFailed(error: Error): void;
}

/**
 * One WebSocket: opened with the subprotocol of the requested format, it reads and writes frames in
 * the codec the server chose, batching outgoing frames up to `maxFrames` per message.
 */
export class Link {
  private readonly ws: WebSocketLike;
  /** The codec of the socket's subprotocol (the requested one until the socket opened). */
  private codec: Codec;
  /** Set by close() or the socket's close: nothing is reported any more. */
  private done = false;

  /** @throws what the WebSocket constructor throws (a malformed URL, ...) */
  constructor(WebSocketImpl: WebSocketConstructor, url: string, requested: Codec,
      private readonly maxFrames: number, private readonly events: LinkEvents) {
    const ws = new WebSocketImpl(url, [SUBPROTOCOL[requested.format]]);
    this.ws = ws;
    this.codec = requested;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (!this.done) this.codec = codecForSubprotocol(ws.protocol) ?? codecFor('proto');
    };
    ws.onmessage = (ev) => {
      if (!this.done) this.onData(ev.data);
    };
    ws.onerror = (ev) => {
      if (!this.done) events.error(ev && typeof ev.message === 'string' ? ev.message : 'WebSocket error');
    };
    ws.onclose = (ev) => {
      if (this.done) return;
      this.detach();
      events.closed(ev.code, ev.reason);
    };
  }

  /** Sends frames, `maxFrames` to a message. */
  send(frames: ClientFrameInit[]): void {
    for (let i = 0; i < frames.length; i += this.maxFrames) {
      this.sendEncoded(this.codec.encode(frames.slice(i, i + this.maxFrames)));
    }
  }

  /** One frame in a message of its own, encoded (to check its size before sending it with sendEncoded). */
  encode(frame: ClientFrameInit): Uint8Array | string {
    return this.codec.encode([frame]);
  }

  sendEncoded(message: Uint8Array | string): void {
    if (this.done) return;
    try {
      this.ws.send(message);
    } catch (e) {
      this.events.sendFailed(asError(e));
    }
  }

  /** Closes the socket and reports nothing more (not even its close). */
  close(code: number, reason: string): void {
    if (this.done) return;
    this.detach();
    try {
      this.ws.close(code, reason);
    } catch {
      // closing already
    }
  }

  private onData(data: ArrayBuffer | Uint8Array | string): void {
    let frames: ServerFrameMsg[];
    try {
      frames = this.codec.decode(data);
    } catch (e) {
      this.events.undecodable(asError(e));
      return;
    }
    this.events.frames(frames);
  }

  private detach(): void {
    this.done = true;
    // Keep no-op handlers: the `ws` package throws on an 'error' event nobody listens to.
    this.ws.onopen = noop;
    this.ws.onmessage = noop;
    this.ws.onclose = noop;
    this.ws.onerror = noop;
  }
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function noop(): void {}
