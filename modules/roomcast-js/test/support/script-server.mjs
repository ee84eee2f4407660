// A scripted WebSocket peer for the unit tests: it speaks protocol v1 (frames from the generated
// code) but does only what a test tells it, so the client can be shown what a real node does not
// do today (pings, disconnect advice with retry_after_ms, token expiry, silence, ...).
import { WebSocketServer } from 'ws';
import protobuf from 'protobufjs/minimal.js';
import { roomcast } from '../../src/gen/roomcast.js';
import { eventually } from './node.mjs';

const { ClientFrame, ServerFrame } = roomcast.v1;

export class ScriptServer {
  /** Accepted connections, oldest first. */
  connections = [];

  static async start() {
    const s = new ScriptServer();
    s.wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
    await new Promise((r) => s.wss.once('listening', r));
    s.wss.on('connection', (ws, req) => s.connections.push(new ScriptConnection(ws, req)));
    return s;
  }

  get url() {
    return `ws://127.0.0.1:${this.wss.address().port}/ws`;
  }

  /** Waits for the n-th connection (1-based). */
  connection(n, timeoutMs = 5_000) {
    return eventually(() => this.connections[n - 1], `connection ${n}`, timeoutMs, 5);
  }

  async close() {
    for (const c of this.connections) c.ws.terminate();
    await new Promise((r) => this.wss.close(r));
  }
}

export class ScriptConnection {
  /** Client frames received, decoded, oldest first. */
  frames = [];
  /** Raw text messages received (JSON subprotocol). */
  texts = [];
  closed = false;

  constructor(ws, req) {
    this.ws = ws;
    this.url = new URL(req.url, 'ws://localhost');
    this.protocol = ws.protocol;
    this.json = ws.protocol === 'roomcast.v1.json';
    this.openedAt = Date.now();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const r = protobuf.Reader.create(new Uint8Array(data));
        while (r.pos < r.len) this.frames.push(ClientFrame.decodeDelimited(r));
      } else {
        const text = data.toString();
        this.texts.push(text);
        for (const line of text.split('\n')) if (line.trim()) this.frames.push(ClientFrame.fromObject(JSON.parse(line)));
      }
    });
    ws.on('close', () => { this.closed = true; });
  }

  /** Sends server frames (plain objects of ServerFrame's fields) in one message. */
  send(...frames) {
    if (this.json) {
      this.ws.send(frames.map((f) => JSON.stringify(ServerFrame.toObject(ServerFrame.fromObject(f), { longs: String, bytes: String, json: true }))).join('\n'));
    } else {
      const w = protobuf.Writer.create();
      for (const f of frames) ServerFrame.encodeDelimited(ServerFrame.fromObject(f), w);
      this.ws.send(w.finish());
    }
  }

  connected(fields = {}) {
    this.send({ connected: { node: 'script', session: `s${Date.now()}`, pingIntervalMs: 0, maxMessageBytes: 65536, ...fields } });
  }

  /** Waits for the first received frame (after `from`) for which `match` is true. */
  frame(match, what = 'a frame', timeoutMs = 5_000) {
    return eventually(() => this.frames.find(match), what, timeoutMs, 5);
  }

  /** Answers subscribe requests as they come, from position {offset, epoch}; returns a stop function. */
  autoSubscribe(position = { offset: 0, epoch: 'e1' }, recovered) {
    let seen = 0;
    const t = setInterval(() => {
      if (this.closed) clearInterval(t);
      for (; seen < this.frames.length; seen++) {
        const f = this.frames[seen];
        if (f.subscribe) {
          const subscribed = { room: f.subscribe.room, position };
          if (recovered !== undefined && f.subscribe.since) subscribed.recovered = recovered;
          this.send({ id: f.id, subscribed });
        }
      }
    }, 5);
    return () => clearInterval(t);
  }
}
