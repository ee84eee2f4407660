// The wire under a client: a WebSocket class (the `ws` package) that records every frame each of its
// sockets receives and sends, decoded, before the client sees them. A check that nothing more
// arrives, or that nothing arrives twice, looks here, not at a client that drops duplicates and
// messages of rooms it left by itself.
import WebSocket from 'ws';
import protobuf from 'protobufjs/minimal.js';
import { roomcast } from '../../src/gen/roomcast.js';
import { bump } from './until.mjs';

const { ClientFrame, ServerFrame } = roomcast.v1;

function decode(Type, data) {
  if (typeof data === 'string') {
    return String(data).split('\n').filter((l) => l.trim()).map((l) => Type.fromObject(JSON.parse(l)));
  }
  const r = protobuf.Reader.create(new Uint8Array(data));
  const frames = [];
  while (r.pos < r.len) frames.push(Type.decodeDelimited(r));
  return frames;
}

export class Tap {
  /** One record per socket the client opened, oldest first: {received, sent, closed, closeCode}. */
  sockets = [];

  constructor() {
    const tap = this;
    this.WebSocket = class TappedWebSocket extends WebSocket {
      constructor(url, protocols) {
        super(url, protocols);
        const record = { received: [], sent: [], closed: false, closeCode: undefined };
        tap.sockets.push(record);
        this.record = record;
        // Added before the client's onmessage: sees each message first.
        this.on('message', (data, isBinary) => {
          record.received.push(...decode(ServerFrame, isBinary ? data : data.toString('utf8')));
          bump();
        });
        this.on('close', (code) => {
          record.closed = true;
          record.closeCode = code;
          bump();
        });
      }

      send(data, ...rest) {
        this.record.sent.push(...decode(ClientFrame, data));
        return super.send(data, ...rest);
      }
    };
  }

  /** Every frame received, over all sockets in order. */
  received() {
    return this.sockets.flatMap((s) => s.received);
  }

  /** The texts of the `message` frames of `room` received, over all sockets in order. */
  texts(room) {
    return this.received().filter((f) => f.message?.room === room).map((f) => f.message.text);
  }
}
