// A scripted WebSocket peer for the unit tests: it speaks protocol v1 (frames from the generated
// code) but does only what a test tells it, so the client can be shown what a real node does not
// do today (pings, disconnect advice with retry_after_ms, token expiry, silence, ...). Every
// connection, frame and close calls bump(), so tests wait with until() on what they observe.
import { WebSocketServer } from 'ws';
import protobuf from 'protobufjs/minimal.js';
import { roomcast } from '../../src/gen/roomcast.js';
import { bump, until } from './until.mjs';

const { ClientFrame, ServerFrame } = roomcast.v1;

export class ScriptServer {
  /** Accepted connections, oldest first. */
  connections = [];

  static async start() {
    const s = new ScriptServer();
    s.wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
    await new Promise((r) => s.wss.once('listening', r));
    s.wss.on('connection', (ws, req) => {
      s.connections.push(new ScriptConnection(ws, req));
      bump();
    });
    return s;
  }

  get url() {
    return `ws://127.0.0.1:${this.wss.address().port}/ws`;
  }

  /** Waits for the n-th connection (1-based). */
  connection(n) {
    return until(() => this.connections[n - 1], `connection ${n}`);
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
  /** The close code the client sent, once the socket closed. */
  closeCode = undefined;
  closed = false;
  /** Called with each frame received (autoSubscribe). */
  onFrame = () => {};

  constructor(ws, req) {
    this.ws = ws;
    this.url = new URL(req.url, 'ws://localhost');
    this.protocol = ws.protocol;
    this.json = ws.protocol === 'roomcast.v1.json';
    ws.on('message', (data, isBinary) => {
      const frames = [];
      if (isBinary) {
        const r = protobuf.Reader.create(new Uint8Array(data));
        while (r.pos < r.len) frames.push(ClientFrame.decodeDelimited(r));
      } else {
        const text = data.toString();
        this.texts.push(text);
        for (const line of text.split('\n')) if (line.trim()) frames.push(ClientFrame.fromObject(JSON.parse(line)));
      }
      for (const f of frames) {
        this.frames.push(f);
        this.onFrame(f);
      }
      bump();
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
      bump();
    });
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
    this.send({ connected: { node: 'script', session: 's1', pingIntervalMs: 0, maxMessageBytes: 65536, ...fields } });
  }

  /** Waits for the first received frame for which `match` is true. */
  frame(match, what = 'a frame') {
    return until(() => this.frames.find(match), what);
  }

  /** Answers subscribe requests (received already, and as they arrive) from position {offset, epoch}. */
  autoSubscribe(position = { offset: 0, epoch: 'e1' }, recovered) {
    this.onFrame = (f) => {
      if (!f.subscribe) return;
      const subscribed = { room: f.subscribe.room, position };
      if (recovered !== undefined && f.subscribe.since) subscribed.recovered = recovered;
      this.send({ id: f.id, subscribed });
    };
    for (const f of this.frames) this.onFrame(f);
  }
}
