// The Node build of the client against a real node (the fat jar, in-memory broker): what a node
// does today, end to end over real sockets. Waits are on events (until(): a client event or a frame
// on the tapped wire), never on time.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, RoomcastClient, RoomcastError } from '../../dist/node.js';
import { CountingScheduler } from '../support/manual-scheduler.mjs';
import { freePort, TestNode } from '../support/node.mjs';
import { CuttableProxy } from '../support/proxy.mjs';
import { Tap } from '../support/tap.mjs';
import { bump, until } from '../support/until.mjs';

let node;
let clients = [];

before(async () => {
  node = await TestNode.start({ name: 'client-it' });
});

after(async () => {
  await node?.kill();
});

afterEach(() => {
  for (const c of clients) c.disconnect();
  clients = [];
});

function client(options = {}) {
  const c = new RoomcastClient({ url: node.wsUrl, token: 'it', backoff: { minDelayMs: 50, maxDelayMs: 500 }, ...options });
  c.seen = [];
  for (const e of ['state', 'connecting', 'connected', 'disconnected', 'subscribed']) {
    c.on(e, (...a) => {
      c.seen.push([e, ...a]);
      bump();
    });
  }
  c.on('message', bump); // after the room's own handler: what it collected is there
  clients.push(c);
  return c;
}

async function connected(c) {
  c.connect();
  await until(() => c.state === 'connected', 'the client to connect');
  return c;
}

/** Subscribes and collects the room's messages into the returned array. */
async function collect(c, room) {
  const got = [];
  const sub = c.subscribe(room, { onMessage: (m) => got.push(m) });
  await sub.ready;
  return got;
}

test('connects and learns the node and its limits from the connected frame', async () => {
  const c = client();
  await connected(c);
  assert.equal(c.connection.node, `client-it-${node.port}`);
  assert.equal(c.connection.maxMessageBytes, 65536);
  assert.equal(c.connection.reconnected, false);
  assert.deepEqual(c.seen.filter((e) => e[0] === 'state').map((e) => e[1]), ['connecting', 'connected']);
});

test('a publish is acknowledged with its offset and reaches every subscriber, binary and JSON alike', async () => {
  const publisher = await connected(client());
  const proto = await connected(client());
  const json = await connected(client({ format: 'json' }));
  const viaProto = await collect(proto, 'it-fanout');
  const viaJson = await collect(json, 'it-fanout');

  const first = await publisher.publish('it-fanout', 'hello');
  const second = await publisher.publish('it-fanout', new Uint8Array([0, 1, 2, 255]));
  assert.equal(second.offset, first.offset + 1);
  await until(() => viaProto.length === 2 && viaJson.length === 2, 'both messages at both subscribers');
  for (const got of [viaProto, viaJson]) {
    assert.equal(got[0].text, 'hello');
    assert.equal(got[0].offset, first.offset);
    assert.deepEqual([...got[1].data], [0, 1, 2, 255]);
    assert.equal(got[1].offset, second.offset);
    assert.ok(Math.abs(Date.now() - got[0].timeMs) < 5_000, 'time_ms is the broker time');
    assert.equal(got[0].epoch, viaProto[0].epoch);
  }
});

test('refused requests reject with a RoomcastError carrying the server code, and the connection stays up', async () => {
  const c = await connected(client());
  await assert.rejects(c.publish('no spaces', 'x'),
    (e) => e instanceof RoomcastError && e.code === ErrorCode.BAD_REQUEST && e.source === 'server');
  await assert.rejects(c.publish('it-big', 'x'.repeat(65_001)),
    (e) => e.code === ErrorCode.PAYLOAD_TOO_LARGE && e.source === 'server');
  // Over max_message_bytes the node would close the connection: the client refuses it itself.
  await assert.rejects(c.publish('it-big', 'x'.repeat(70_000)),
    (e) => e.code === ErrorCode.PAYLOAD_TOO_LARGE && e.source === 'client');
  const sub = c.subscribe('bad/room');
  await assert.rejects(sub.ready, (e) => e.code === ErrorCode.BAD_REQUEST);
  assert.equal(sub.state, 'failed');
  assert.equal(c.subscription('bad/room'), undefined);
  assert.throws(() => { c.subscribe('it-twice'); c.subscribe('it-twice'); }, (e) => e.code === ErrorCode.ALREADY_SUBSCRIBED);
  assert.equal(c.state, 'connected');
  assert.ok((await c.publish('it-ok', 'still fine')).offset >= 1);
});

test('after unsubscribe no more messages arrive: none on the wire', async () => {
  const pub = await connected(client());
  const wire = new Tap();
  const sub = await connected(client({ WebSocket: wire.WebSocket }));
  const got = await collect(sub, 'it-unsub');
  await pub.publish('it-unsub', 'one');
  await until(() => got.length === 1, 'the first message');
  await sub.unsubscribe('it-unsub'); // resolves at the node's reply
  await pub.publish('it-unsub', 'two');
  // A barrier on the same socket: subscribe again (no since: no replay) and wait for 'three'. The node
  // sends a room's messages to a session in offset order, so a 'two' sent to this socket would be
  // on the wire before 'three'.
  const again = await collect(sub, 'it-unsub');
  await pub.publish('it-unsub', 'three');
  await until(() => again.length === 1, 'the message after subscribing again');
  assert.deepEqual(wire.texts('it-unsub'), ['one', 'three']);
  assert.deepEqual(got.map((m) => m.text), ['one']);
});

test('ping measures the round trip; refresh sends a new token the node accepts', async () => {
  let n = 0;
  const c = await connected(client({ token: undefined, getToken: () => `t${++n}` }));
  const rtt = await c.ping();
  assert.ok(rtt > 0 && rtt < 1_000, `rtt ${rtt}`);
  await c.refresh();
  assert.equal(n, 2); // one for the handshake, one for the refresh
});

test('a backend publish through the HTTP API reaches WebSocket subscribers', async () => {
  const c = await connected(client());
  const got = await collect(c, 'it-http');
  const position = await node.httpPublish('it-http', 'from the backend');
  await until(() => got.length === 1, 'the HTTP-published message');
  assert.equal(got[0].text, 'from the backend');
  assert.equal(got[0].offset, Number(position.offset));
});

test('a cut link is reconnected and every room resumed from its last position: what was published meanwhile is replayed, in order, once', async () => {
  const proxy = await CuttableProxy.start(node.port);
  try {
    const pub = await connected(client());
    const wire = new Tap();
    const c = await connected(client({ url: `ws://127.0.0.1:${proxy.port}/ws`, WebSocket: wire.WebSocket }));
    const got = await collect(c, 'it-cut');
    const quiet = await collect(c, 'it-cut-quiet');
    await pub.publish('it-cut', 'before');
    await until(() => got.length === 1, 'the message before the cut');

    proxy.cut();
    await until(() => c.seen.some((e) => e[0] === 'disconnected'), 'disconnected');
    await pub.publish('it-cut', 'while away 1');
    await pub.publish('it-cut', 'while away 2');
    await until(() => c.seen.filter((e) => e[0] === 'subscribed' && e[1].resubscribed).length === 2, 'both rooms resubscribed');
    const resubs = Object.fromEntries(c.seen.filter((e) => e[0] === 'subscribed' && e[1].resubscribed).map((e) => [e[1].room, e[1]]));
    assert.equal(resubs['it-cut-quiet'].recovered, true, 'nothing was published to the quiet room');
    assert.equal(resubs['it-cut'].recovered, true, 'the node replays the gap from the room history');
    assert.equal(resubs['it-cut'].since.offset, got[0].offset);
    assert.equal(c.seen.find((e) => e[0] === 'connected' && e[1].reconnected)[1].reconnected, true);

    await pub.publish('it-cut', 'after');
    await until(() => got.some((m) => m.text === 'after'), 'the message after the reconnect');
    assert.deepEqual(got.map((m) => m.text), ['before', 'while away 1', 'while away 2', 'after']);
    assert.deepEqual(got.map((m) => m.offset - got[0].offset), [0, 1, 2, 3]);
    assert.deepEqual(quiet, []);
    // Once on the wire too, not only after the client's own duplicate filter.
    assert.deepEqual(wire.texts('it-cut'), ['before', 'while away 1', 'while away 2', 'after']);
    assert.deepEqual(wire.texts('it-cut-quiet'), []);
  } finally {
    await proxy.close();
  }
});

test('a node killed with SIGKILL and restarted on the same port: the client reconnects, resubscribes (recovered: false, new epoch) and its queued publish goes through', async () => {
  const port = await freePort();
  let own = await TestNode.start({ port, name: 'client-it-kill' });
  try {
    const c = client({ url: own.wsUrl });
    await connected(c);
    const got = await collect(c, 'it-kill');
    await c.publish('it-kill', 'before');
    await until(() => got.length === 1, 'the message before the kill');
    const epochBefore = got[0].epoch;

    await own.kill();
    await until(() => c.state === 'connecting', 'the client to notice');
    const queued = c.publish('it-kill', 'queued while the node was down');
    const attempts = () => c.seen.filter((e) => e[0] === 'connecting').length;
    const before = attempts();
    await until(() => attempts() >= before + 2, 'two failed attempts while the node is down');
    assert.equal(c.state, 'connecting');
    own = await TestNode.start({ port, name: 'client-it-kill-restarted' });

    await until(() => c.state === 'connected', 'the client to reconnect', 15_000);
    const ack = await queued;
    assert.equal(ack.offset, 1, 'the new node starts offsets again');
    const resub = await until(() => c.seen.find((e) => e[0] === 'subscribed' && e[1].resubscribed)?.[1], 'the resubscription');
    assert.equal(resub.recovered, false);
    // Whichever came first at the restarted node, the client is told of the new epoch before its
    // messages: by the resubscription itself, or (when the room had no stream yet, and the client
    // kept its own position) by a reset pushed with the room's first message of the new epoch.
    const told = await until(() => c.seen.find((e) => e[0] === 'subscribed' && e[1].recovered === false
      && e[1].position.epoch !== epochBefore)?.[1], 'the new epoch told');
    assert.notEqual(told.position.epoch, '');
    await until(() => got.length >= 2, 'the queued message');
    assert.deepEqual(got.map((m) => m.text).slice(0, 2), ['before', 'queued while the node was down']);
    await c.publish('it-kill', 'after');
    await until(() => got.some((m) => m.text === 'after'), 'a message after the restart');
    const d = c.seen.find((e) => e[0] === 'disconnected')[1];
    assert.equal(d.code, 1006);
    assert.equal(d.reconnect, true);
  } finally {
    await own.kill();
  }
});

test('with node pings: the client answers them and stays connected; a frozen link is noticed after about two intervals and replaced', async () => {
  const own = await TestNode.start({ name: 'client-it-heartbeat', env: { ROOMCAST_HEARTBEAT_INTERVAL: '400ms', ROOMCAST_HEARTBEAT_TIMEOUT: '200ms' } });
  const proxy = await CuttableProxy.start(own.port);
  try {
    const wire = new Tap();
    const c = client({ url: `ws://127.0.0.1:${proxy.port}/ws`, WebSocket: wire.WebSocket });
    await connected(c);
    assert.equal(c.connection.pingIntervalMs, 400);
    const got = await collect(c, 'it-heartbeat');
    // The node closes a client that does not answer a ping within 200 ms (4009): five pings on the
    // wire, each answered, with the connection still up, show the client answers them.
    const link = wire.sockets[0];
    await until(() => link.received.filter((f) => f.ping).length >= 5, 'five pings from the node', 10_000);
    assert.ok(link.sent.filter((f) => f.pong).length >= 4, 'pongs on the wire');
    assert.equal(c.state, 'connected');
    assert.deepEqual(c.seen.filter((e) => e[0] === 'disconnected'), []);
    assert.equal(link.closed, false);

    proxy.freeze();
    const frozenAt = Date.now();
    await until(() => c.seen.some((e) => e[0] === 'disconnected'), 'the client to give up on the frozen link', 5_000);
    const noticedAfter = Date.now() - frozenAt;
    assert.ok(noticedAfter >= 400 && noticedAfter < 2_000, `noticed after ${noticedAfter} ms (ping interval 400 ms)`);
    assert.ok(c.seen.some((e) => e[0] === 'connected' && e[1].reconnected) || await until(
      () => c.seen.some((e) => e[0] === 'connected' && e[1].reconnected), 'a new connection'));
    await c.publish('it-heartbeat', 'on the new link');
    await until(() => got.some((m) => m.text === 'on the new link'), 'a message on the new link');
  } finally {
    await proxy.close();
    await own.kill();
  }
});

test('disconnect() closes the connection for good', async () => {
  const wire = new Tap();
  const scheduler = new CountingScheduler();
  const c = await connected(client({ WebSocket: wire.WebSocket, scheduler }));
  c.disconnect();
  assert.equal(c.state, 'disconnected');
  assert.equal(scheduler.pending, 0, 'nothing scheduled: no reconnect can come');
  await until(() => wire.sockets[0].closed, 'the socket to close');
  assert.equal(wire.sockets[0].closeCode, 1000);
  assert.equal(wire.sockets.length, 1);
  await assert.rejects(c.ping(), (e) => e.code === ErrorCode.UNAVAILABLE);
});
