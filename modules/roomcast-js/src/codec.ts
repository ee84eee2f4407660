import $protobuf from 'protobufjs/minimal.js';
import { roomcast } from './gen/roomcast.js';

export const ClientFrame = roomcast.v1.ClientFrame;
export const ServerFrame = roomcast.v1.ServerFrame;
export type ClientFrameInit = roomcast.v1.ClientFrame.$Properties;
export type ServerFrameMsg = roomcast.v1.ServerFrame;

/** The WebSocket subprotocols of protocol v1. */
export const SUBPROTOCOL = { proto: 'roomcast.v1.proto', json: 'roomcast.v1.json' } as const;
export type WireFormatName = keyof typeof SUBPROTOCOL;

/** Encodes batches of client frames into one WebSocket message, and splits server messages into frames. */
export interface Codec {
  readonly format: WireFormatName;
  /** Frames in one message: binary (varint-length-delimited protobuf) or text (JSON, one object per line). */
  encode(frames: ClientFrameInit[]): Uint8Array | string;
  /** @throws Error when the message does not hold well-formed frames */
  decode(data: ArrayBuffer | Uint8Array | string): ServerFrameMsg[];
}

/** A uint64 as decoded by protobufjs (a number, or a Long where the `long` package is present) as a number. */
export function num(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  const long = v as { toNumber?: () => number };
  return typeof long.toNumber === 'function' ? long.toNumber() : Number(v);
}

const protoCodec: Codec = {
  format: 'proto',
  encode(frames) {
    const w = $protobuf.Writer.create();
    for (const f of frames) ClientFrame.encodeDelimited(f, w);
    return w.finish();
  },
  decode(data) {
    if (typeof data === 'string') throw new Error('text message on the binary subprotocol');
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    if (bytes.length === 0) throw new Error('empty message');
    const r = $protobuf.Reader.create(bytes);
    const frames: ServerFrameMsg[] = [];
    while (r.pos < r.len) frames.push(ServerFrame.decodeDelimited(r));
    return frames;
  },
};

/** protobuf's canonical JSON mapping, as the server's JsonFormat prints and parses it. */
const TO_JSON = { longs: String, bytes: String, enums: String, defaults: false, oneofs: false, json: true };

const textDecoder = /* @__PURE__ */ new TextDecoder();

const jsonCodec: Codec = {
  format: 'json',
  encode(frames) {
    let out = '';
    for (const f of frames) out += JSON.stringify(ClientFrame.toObject(ClientFrame.create(f), TO_JSON)) + '\n';
    return out;
  },
  decode(data) {
    const text = typeof data === 'string' ? data : textDecoder.decode(data);
    const frames: ServerFrameMsg[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      frames.push(ServerFrame.fromObject(JSON.parse(line)));
    }
    if (frames.length === 0) throw new Error('empty message');
    return frames;
  },
};

export function codecFor(format: WireFormatName): Codec {
  return format === 'json' ? jsonCodec : protoCodec;
}

/** The codec of the subprotocol the server chose, or undefined when it is not one of ours. */
export function codecForSubprotocol(subprotocol: string): Codec | undefined {
  if (subprotocol === SUBPROTOCOL.proto) return protoCodec;
  if (subprotocol === SUBPROTOCOL.json) return jsonCodec;
  return undefined;
}
