import $protobuf from 'protobufjs/minimal.js';
import { roomcast } from './gen/roomcast.js';
import type { Member } from './types.js';

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

type StructMsg = roomcast.v1.Member['info'];
type MemberMsg = roomcast.v1.Member;

/** A decoded `Member` as the app sees it: `info` as a plain JSON object. */
export function memberOf(m: MemberMsg | null | undefined): Member {
  const member: Member = { user: m?.user ?? '', session: m?.session ?? '' };
  if (m?.info) member.info = structToJson(m.info);
  return member;
}

function structToJson(s: StructMsg): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v as unknown as { [k: string]: unknown });
  return out;
}

function valueToJson(v: { [k: string]: unknown } | null | undefined): unknown {
  if (!v) return null;
  const x = v as { numberValue?: number | null; stringValue?: string | null; boolValue?: boolean | null;
    structValue?: StructMsg | null; listValue?: { values?: unknown[] | null } | null };
  if (x.numberValue !== null && x.numberValue !== undefined) return x.numberValue;
  if (x.stringValue !== null && x.stringValue !== undefined) return x.stringValue;
  if (x.boolValue !== null && x.boolValue !== undefined) return x.boolValue;
  if (x.structValue) return structToJson(x.structValue);
  if (x.listValue) return (x.listValue.values ?? []).map((e) => valueToJson(e as { [k: string]: unknown }));
  return null;
}

/**
 * protobuf's JSON mapping prints a `google.protobuf.Struct` as a plain JSON object, which
 * protobufjs's fromObject does not read (it has no wrapper for Struct): turn each member's `info`
 * into the message's own shape first.
 */
function structsFromJson(frame: Record<string, any>): Record<string, any> {
  const fix = (member: Record<string, any> | undefined) => {
    if (member && member.info !== undefined && member.info !== null) member.info = jsonToStruct(member.info);
  };
  fix(frame.join?.member);
  fix(frame.leave?.member);
  if (Array.isArray(frame.presence?.members)) for (const m of frame.presence.members) fix(m);
  return frame;
}

function jsonToStruct(o: unknown): { fields: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) fields[k] = jsonToValue(v);
  return { fields };
}

function jsonToValue(v: unknown): unknown {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v) };
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
      frames.push(ServerFrame.fromObject(structsFromJson(JSON.parse(line))));
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
