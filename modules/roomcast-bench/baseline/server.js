'use strict';
// The baseline of the side-by-side benchmark (io.roomcast.bench.SideBySide, docs/performance.md):
// a plain Node.js fan-out with ws + ioredis, one process per "node". It speaks the subset of
// roomcast.v1.proto that the benchmark's clients use (subprotocol roomcast.v1.proto; a WebSocket
// binary message is one or more frames, each a varint length then a protobuf frame):
//   subscribe {room}        -> subscribed {room, position {}}  (after Redis confirmed the SUBSCRIBE)
//   publish {room, data}    -> ack {offset}                    (after Redis ran INCR + PUBLISH)
//   ping                    -> pong
//   a room's publication    -> message {room, data, offset, time_ms} to each member, one ws.send each
// What it does not do (roomcast does): history and recovery, epochs, tokens and rights, rate limits,
// slow-consumer limits (ws buffers without bound), heartbeats, batching, JSON, compression, draining.
//
// node server.js --port 8080 [--host 127.0.0.1] [--redis redis://127.0.0.1:6379]
const { WebSocketServer } = require('ws');
const Redis = require('ioredis');

const args = { host: '127.0.0.1', port: '8080', redis: 'redis://127.0.0.1:6379' };
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

const PROTOCOL = 'roomcast.v1.proto';
const CHANNEL = 'baseline:room:';
const publisher = new Redis(args.redis, { enableOfflineQueue: true });
const subscriber = new Redis(args.redis);
// One round trip per publish, atomic so that offsets follow the order of the channel's messages
// (roomcast's publish script also appends to the room's history; this one does not).
publisher.defineCommand('roomPublish', {
  numberOfKeys: 2,
  lua: "local o = redis.call('INCR', KEYS[1]) redis.call('PUBLISH', KEYS[2], o .. ':' .. ARGV[1] .. ':' .. ARGV[2]) return o",
});

/** room -> Set of sockets of this process that joined it */
const members = new Map();
/** room -> the promise of its SUBSCRIBE, while the room has members here */
const subscriptions = new Map();

// --- protobuf, by hand: only the fields used here ---
function varintSize(v) {
  let n = 1;
  while (v >= 0x80) { v = Math.floor(v / 128); n++; }
  return n;
}
function putVarint(buf, pos, v) {
  while (v >= 0x80) { buf[pos++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
  buf[pos++] = v;
  return pos;
}
function readVarint(buf, r) { // r = {pos}
  let v = 0, mul = 1, b;
  do {
    if (r.pos >= buf.length) throw new Error('truncated varint');
    b = buf[r.pos++];
    v += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  return v;
}
/** A length-delimited field (tag, bytes) as a Buffer. */
function field(tag, bytes) {
  const out = Buffer.allocUnsafe(1 + varintSize(bytes.length) + bytes.length);
  out[0] = tag;
  bytes.copy(out, putVarint(out, 1, bytes.length));
  return out;
}
function varintField(tag, v) {
  const out = Buffer.allocUnsafe(1 + varintSize(v));
  out[0] = tag;
  putVarint(out, 1, v);
  return out;
}
/** A ServerFrame with its length prefix: optional id, then its one kind field. */
function serverFrame(id, kind) {
  const body = id === undefined ? kind : Buffer.concat([varintField(0x08, id), kind]);
  const out = Buffer.allocUnsafe(varintSize(body.length) + body.length);
  body.copy(out, putVarint(out, 0, body.length));
  return out;
}
/** The fields of one protobuf message: {tag number -> Buffer or number}, the last of each wins. */
function fields(buf) {
  const out = {};
  const r = { pos: 0 };
  while (r.pos < buf.length) {
    const key = readVarint(buf, r);
    const type = key & 7;
    if (type === 0) out[key >>> 3] = readVarint(buf, r);
    else if (type === 2) {
      const len = readVarint(buf, r);
      out[key >>> 3] = buf.subarray(r.pos, r.pos + len);
      r.pos += len;
    } else throw new Error('unsupported wire type ' + type);
  }
  return out;
}

// --- the fan-out ---
subscriber.on('messageBuffer', (channel, message) => {
  const room = channel.toString('utf8', CHANNEL.length);
  const sockets = members.get(room);
  if (!sockets) return;
  // "offset:time_ms:data", encoded once per process and sent to every member
  const a = message.indexOf(0x3a);
  const b = message.indexOf(0x3a, a + 1);
  const body = Buffer.concat([
    field(0x0a, Buffer.from(room)),
    field(0x12, message.subarray(b + 1)),
    varintField(0x20, Number(message.toString('latin1', 0, a))),
    varintField(0x30, Number(message.toString('latin1', a + 1, b))),
  ]);
  const frame = serverFrame(undefined, field(0x22, body));
  for (const ws of sockets) ws.send(frame, { binary: true });
});

function join(ws, room) {
  let sockets = members.get(room);
  if (!sockets) members.set(room, (sockets = new Set()));
  sockets.add(ws);
  ws.rooms.add(room);
  if (!subscriptions.has(room)) subscriptions.set(room, subscriber.subscribe(CHANNEL + room));
  return subscriptions.get(room);
}

function leave(ws, room) {
  const sockets = members.get(room);
  ws.rooms.delete(room);
  if (!sockets || !sockets.delete(ws) || sockets.size > 0) return;
  members.delete(room);
  subscriptions.delete(room);
  subscriber.unsubscribe(CHANNEL + room).catch(() => {});
}

function onFrame(ws, frame) {
  const f = fields(frame);
  const id = f[1];
  if (f[3]) { // subscribe
    const room = fields(f[3])[1].toString();
    join(ws, room).then(
      () => ws.send(serverFrame(id, field(0x1a, Buffer.concat([field(0x0a, Buffer.from(room)), field(0x12, Buffer.alloc(0))])))),
      () => ws.send(serverFrame(id, field(0x32, varintField(0x08, 503)))));
  } else if (f[4]) { // unsubscribe
    const room = fields(f[4])[1].toString();
    leave(ws, room);
    ws.send(serverFrame(id, field(0x4a, field(0x0a, Buffer.from(room)))));
  } else if (f[5]) { // publish
    const p = fields(f[5]);
    const room = p[1].toString();
    publisher.roomPublish('baseline:offset:' + room, CHANNEL + room, Date.now(), p[2] || p[3] || Buffer.alloc(0)).then(
      (offset) => ws.send(serverFrame(id, field(0x2a, varintField(0x08, offset)))),
      () => ws.send(serverFrame(id, field(0x32, varintField(0x08, 503)))));
  } else if (f[8]) { // ping
    ws.send(serverFrame(id, field(0x52, Buffer.alloc(0))));
  } else {
    ws.send(serverFrame(id, field(0x32, varintField(0x08, 400))));
  }
}

function onMessage(ws, data) {
  const r = { pos: 0 };
  while (r.pos < data.length) {
    const len = readVarint(data, r);
    onFrame(ws, data.subarray(r.pos, r.pos + len));
    r.pos += len;
  }
}

Promise.all([publisher.ping(), subscriber.ping()]).then(() => {
  const wss = new WebSocketServer({
    host: args.host,
    port: Number(args.port),
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 1 << 20,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  wss.on('connection', (ws) => {
    ws.rooms = new Set();
    ws.on('message', (data) => {
      try {
        onMessage(ws, data);
      } catch (e) {
        ws.close(1002, 'bad frame');
      }
    });
    ws.on('close', () => { for (const room of [...ws.rooms]) leave(ws, room); });
    ws.on('error', () => {});
  });
  wss.on('listening', () => console.log(`baseline listening on ${args.host}:${args.port}, redis ${args.redis}`));
}, (e) => {
  console.error('cannot reach redis: ' + e);
  process.exit(1);
});

process.on('SIGTERM', () => process.exit(0));
