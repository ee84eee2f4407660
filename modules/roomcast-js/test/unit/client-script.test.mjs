// The client against a scripted peer: behaviour a real node does not exercise today (server pings,
// disconnect advice, retry_after_ms, token expiry, silence), and the exact frames the client sends.
// Time is the test's: the client runs on a ManualScheduler, so no delay, timeout or heartbeat fires
// until the test advances the clock; everything else is awaited as an event (until()).
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ErrorCode, RoomcastClient, RoomcastError } from '../../dist/node.js';
import { ManualScheduler } from '../support/manual-scheduler.mjs';
import { ScriptServer } from '../support/script-server.mjs';
import { bump, until } from '../support/until.mjs';

let server;
let clients;
let clock;

beforeEach(async () => {
  server = await ScriptServer.start();
  clients = [];
  clock = new ManualScheduler();
});

afterEach(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

/** A client on the manual clock, without jitter (reconnect delays are 20, 40, ... ms); c.sockets counts its attempts. */
function newClient(options = {}) {
  const sockets = [];
  class CountingWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  }
  const c = new RoomcastClient({ url: server.url, backoff: { minDelayMs: 20, maxDelayMs: 200 }, scheduler: clock, random: () => 0,
    WebSocket: CountingWebSocket, ...options });
  const events = [];
  for (const e of ['state', 'connecting', 'connected', 'disconnected', 'error', 'subscribed', 'message']) {
    c.on(e, (...args) => {
      events.push([e, ...args]);
      bump();
    });
  }
  c.events = events;
  c.sockets = sockets;
  clients.push(c);
  return c;
}

/** connect(), and the first attempt, which the client schedules without delay. */
function start(c) {
  c.connect();
  clock.advance(0);
}

const event = (c, name) => until(() => c.events.find((e) => e[0] === name)?.[1], `a ${name} event`);

test('the token goes in the handshake query; state goes connecting, then connected at the connected frame', async () => {
  const c = newClient({ token: 'a b&c' });
  start(c);
  const conn = await server.connection(1);
  assert.equal(conn.url.searchParams.get('token'), 'a b&c');
  assert.equal(conn.protocol, 'roomcast.v1.proto');
  conn.send({ ping: {} });
  await conn.frame((f) => f.pong, 'the pong'); // the socket is open and read
  assert.equal(c.state, 'connecting'); // but no connected frame yet
  conn.connected({ node: 'n1', pingIntervalMs: 0 });
  await until(() => c.state === 'connected', 'connected');
  assert.deepEqual(c.events.filter((e) => e[0] === 'state').map((e) => e[1]), ['connecting', 'connected']);
  assert.equal(c.connection.node, 'n1');
});

test('server pings are answered with pong; silence for twice the ping interval closes the link and reconnects', async () => {
  const c = newClient();
  start(c);
  const first = await server.connection(1);
  first.connected({ pingIntervalMs: 100 });
  await until(() => c.state === 'connected', 'connected');
  for (let i = 1; i <= 4; i++) { // pings keep the link alive well past 2 x 100 ms
    clock.advance(80);
    first.send({ ping: {} });
    await until(() => first.frames.filter((f) => f.pong).length === i, `pong ${i}`);
  }
  clock.advance(199); // the last frame came 199 ms ago
  assert.equal(c.state, 'connected');
  assert.equal(c.sockets.length, 1);
  assert.ok(!c.events.some((e) => e[0] === 'error'), 'no error yet');

  clock.advance(1); // 200 ms: twice the interval
  assert.ok(c.events.some((e) => e[0] === 'error' && e[1].context === 'heartbeat'), 'a heartbeat error event');
  const disconnected = c.events.find((e) => e[0] === 'disconnected')[1];
  assert.deepEqual({ code: disconnected.code, reconnect: disconnected.reconnect, in: disconnected.reconnectInMs }, { code: 1006, reconnect: true, in: 20 });
  assert.equal(c.state, 'connecting');
  await until(() => first.closed, 'the silent link to close');
  assert.equal(first.closeCode, 3008);
  clock.advance(19);
  assert.equal(c.sockets.length, 1, 'no attempt before the backoff delay');
  clock.advance(1);
  assert.equal(c.sockets.length, 2);
  await server.connection(2);
});

test('disconnect advice reconnect=false stops the client for good', async () => {
  const c = newClient();
  start(c);
  const conn = await server.connection(1);
  conn.connected();
  await until(() => c.state === 'connected', 'connected');
  conn.send({ disconnect: { code: 4000, reason: 'malformed frame', reconnect: false } });
  conn.ws.close(4000, 'malformed frame');
  await until(() => c.state === 'disconnected', 'disconnected');
  assert.equal(clock.pending, 0, 'nothing scheduled');
  clock.advance(60_000);
  assert.equal(c.sockets.length, 1, 'no reconnect attempt');
  const d = c.events.find((e) => e[0] === 'disconnected')[1];
  assert.deepEqual({ code: d.code, reason: d.reason, reconnect: d.reconnect }, { code: 4000, reason: 'malformed frame', reconnect: false });
  await assert.rejects(c.publish('r', 'x'), (e) => e instanceof RoomcastError && e.code === ErrorCode.UNAVAILABLE);
});

test('a close code that means "do not retry" stops the client when no advice came', async () => {
  const c = newClient();
  start(c);
  const conn = await server.connection(1);
  conn.connected();
  await until(() => c.state === 'connected', 'connected');
  conn.ws.close(1008, 'policy violation');
  await until(() => c.state === 'disconnected', 'disconnected');
  assert.equal(clock.pending, 0, 'nothing scheduled');
  clock.advance(60_000);
  assert.equal(c.sockets.length, 1, 'no reconnect attempt');
  assert.equal(c.events.find((e) => e[0] === 'disconnected')[1].code, 1008);
});

test('retry_after_ms delays the reconnect beyond the backoff', async () => {
  const c = newClient();
  start(c);
  const conn = await server.connection(1);
  conn.connected();
  await until(() => c.state === 'connected', 'connected');
  conn.send({ disconnect: { code: 1013, reason: 'try again later', reconnect: true, retryAfterMs: 700 } });
  conn.ws.close(1013, 'try again later');
  const d = await event(c, 'disconnected');
  assert.equal(d.retryAfterMs, 700);
  assert.equal(d.reconnectInMs, 700); // not the backoff's 20
  clock.advance(699);
  assert.equal(c.sockets.length, 1, 'no attempt before retry_after_ms');
  clock.advance(1);
  assert.equal(c.sockets.length, 2);
  await server.connection(2);
});

test('an expired token (4001) is replaced through getToken before reconnecting; refresh frames carry new tokens', async () => {
  let n = 0;
  const c = newClient({ getToken: async () => `token-${++n}`, tokenRefreshIntervalMs: 100 });
  start(c);
  const first = await server.connection(1);
  assert.equal(first.url.searchParams.get('token'), 'token-1');
  first.connected();
  await until(() => c.state === 'connected', 'connected');
  clock.advance(99);
  assert.equal(n, 1, 'no refresh before the interval');
  clock.advance(1);
  const refresh = await first.frame((f) => f.refresh, 'a refresh frame');
  assert.equal(refresh.refresh.token, 'token-2');
  first.send({ id: refresh.id, ack: {} });
  first.send({ disconnect: { code: 4001, reason: 'token expired', reconnect: true } });
  first.ws.close(4001, 'token expired');
  await event(c, 'disconnected');
  clock.advance(20);
  const second = await server.connection(2);
  assert.equal(second.url.searchParams.get('token'), 'token-3', 'a fresh token, not the expired one');
});

test('after a reconnect every room is resubscribed with since = the last position seen; replayed duplicates are dropped', async () => {
  const c = newClient();
  const got = [];
  const subscribed = [];
  c.subscribe('news', { onMessage: (m) => got.push(m.offset), onSubscribed: (e) => subscribed.push(e) });
  c.subscribe('sport');
  start(c);
  const first = await server.connection(1);
  first.autoSubscribe({ offset: 5, epoch: 'e1' });
  first.connected();
  await until(() => subscribed.length === 1, 'subscribed');
  assert.deepEqual(subscribed[0], { room: 'news', position: { offset: 5, epoch: 'e1' }, resubscribed: false });
  first.send({ message: { room: 'news', text: 'six', offset: 6, epoch: 'e1', timeMs: 1 } });
  await until(() => got.length === 1, 'message 6');
  first.ws.terminate();
  await event(c, 'disconnected');
  clock.advance(20);

  const second = await server.connection(2);
  second.autoSubscribe({ offset: 7, epoch: 'e1' }, true);
  second.connected();
  const resub = await second.frame((f) => f.subscribe?.room === 'news', 'resubscribe to news');
  assert.equal(Number(resub.subscribe.since.offset), 6);
  assert.equal(resub.subscribe.since.epoch, 'e1');
  const sport = await second.frame((f) => f.subscribe?.room === 'sport', 'resubscribe to sport');
  assert.equal(Number(sport.subscribe.since.offset), 5); // where sport stood: its subscribed position
  await until(() => subscribed.length === 2, 'resubscribed');
  assert.equal(subscribed[1].resubscribed, true);
  assert.equal(subscribed[1].recovered, true);
  assert.deepEqual(subscribed[1].since, { offset: 6, epoch: 'e1' });
  // The server replays 6 (already seen) and 7 in one message: only 7 is delivered.
  second.send({ message: { room: 'news', text: 'six', offset: 6, epoch: 'e1' } }, { message: { room: 'news', text: 'seven', offset: 7, epoch: 'e1' } });
  await until(() => got.includes(7), 'message 7');
  assert.deepEqual(got, [6, 7]);
});

test('when the server does not say, recovered is false after an epoch change', async () => {
  const c = newClient();
  const subscribed = [];
  c.subscribe('news', { onSubscribed: (e) => subscribed.push(e) });
  start(c);
  const first = await server.connection(1);
  first.autoSubscribe({ offset: 3, epoch: 'old' });
  first.connected();
  await until(() => subscribed.length === 1, 'subscribed');
  first.ws.terminate();
  await event(c, 'disconnected');
  clock.advance(20);
  const second = await server.connection(2);
  second.autoSubscribe({ offset: 0, epoch: 'new' }); // no recovered field
  second.connected();
  await until(() => subscribed.length === 2, 'resubscribed');
  assert.equal(subscribed[1].recovered, false);
  assert.deepEqual(c.subscription('news').position, { offset: 0, epoch: 'new' });
});

test('JSON subprotocol: the client sends canonical protobuf JSON and reads what the Java node prints', async () => {
  const c = newClient({ format: 'json' });
  const got = [];
  c.subscribe('r', { onMessage: (m) => got.push(m) });
  start(c);
  const conn = await server.connection(1);
  assert.equal(conn.protocol, 'roomcast.v1.json');
  conn.ws.send('{"connected":{"node":"java","session":"s1","maxMessageBytes":65536}}');
  const sub = await conn.frame((f) => f.subscribe, 'subscribe');
  assert.equal(conn.texts[0], `{"id":${sub.id},"subscribe":{"room":"r"}}\n`);
  conn.ws.send(`{"id":${sub.id},"subscribed":{"room":"r","position":{"offset":"41","epoch":"ep"}}}\n`
    + '{"message":{"room":"r","text":"hi","offset":"42","epoch":"ep","timeMs":"1795257600000"}}\n'
    + '{"message":{"room":"r","data":"AQID","offset":"43","epoch":"ep","timeMs":"1795257600001"}}');
  await until(() => got.length === 2, 'two messages');
  assert.deepEqual(got[0], { room: 'r', text: 'hi', offset: 42, epoch: 'ep', timeMs: 1795257600000 });
  assert.deepEqual([...got[1].data], [1, 2, 3]);
  const p = c.publish('r', new Uint8Array([255, 0]), { idempotencyKey: 'k-1' });
  const pub = await conn.frame((f) => f.publish, 'publish');
  assert.equal(conn.texts.at(-1), `{"id":${pub.id},"publish":{"room":"r","data":"/wA=","idempotencyKey":"k-1"}}\n`);
  conn.ws.send(`{"id":${pub.id},"ack":{"offset":"44"}}`);
  assert.deepEqual(await p, { offset: 44 });
});

test('errors reject with a RoomcastError carrying the code; no reply in time rejects with 408', async () => {
  const c = newClient({ requestTimeoutMs: 200, publishRetry: { attempts: 1 } });
  start(c);
  const conn = await server.connection(1);
  conn.connected({ maxMessageBytes: 1000 });
  await until(() => c.state === 'connected', 'connected');
  const refused = c.publish('r', 'x');
  const f = await conn.frame((x) => x.publish, 'publish');
  conn.send({ id: f.id, error: { code: 403, message: 'not allowed to publish to r' } });
  await assert.rejects(refused, (e) => e instanceof RoomcastError && e.code === 403 && e.source === 'server'
    && e.request === 'publish' && e.message === 'not allowed to publish to r');
  const late = c.publish('r', 'y');
  let settled = false;
  late.then(() => { settled = true; }, () => { settled = true; });
  await conn.frame((x) => x.publish?.text === 'y', 'the unanswered publish');
  clock.advance(199);
  await new Promise(setImmediate); // every promise callback due has run
  assert.equal(settled, false, 'still waiting before the timeout');
  clock.advance(1);
  await new Promise(setImmediate);
  assert.equal(settled, true, 'rejected at the timeout');
  await assert.rejects(late, (e) => e.code === ErrorCode.TIMEOUT && e.source === 'client' && e.message === 'no reply to publish within 200 ms');
  // Over the node's max_message_bytes: refused before it is sent (the node would close the connection).
  await assert.rejects(c.publish('r', 'z'.repeat(2000)), (e) => e.code === ErrorCode.PAYLOAD_TOO_LARGE && e.source === 'client');
  c.ping().catch(() => {});
  await conn.frame((x) => x.ping, 'a ping after the refused publish'); // frames arrive in order: nothing was sent between
  assert.equal(conn.frames.filter((x) => x.publish).length, 2);
});

test('no connected frame within connectTimeoutMs: the attempt is abandoned and retried', async () => {
  const c = newClient({ connectTimeoutMs: 150 });
  start(c);
  const first = await server.connection(1);
  clock.advance(149);
  assert.equal(c.sockets.length, 1);
  clock.advance(1);
  assert.ok(c.events.some((e) => e[0] === 'error' && /no connected frame within 150 ms/.test(e[1].error.message)));
  await until(() => first.closed, 'the abandoned attempt to close');
  clock.advance(20);
  const second = await server.connection(2);
  second.connected();
  await until(() => c.state === 'connected', 'connected on the second attempt');
});

test('requests made while connecting wait for the connection; disconnect() rejects what is still waiting', async () => {
  const c = newClient();
  start(c);
  const waiting = c.publish('r', 'early');
  const conn = await server.connection(1);
  conn.send({ ping: {} });
  await conn.frame((f) => f.pong, 'the pong'); // the socket is open and read, and the publish still waits
  assert.equal(conn.frames.filter((x) => x.publish).length, 0);
  conn.connected();
  const f = await conn.frame((x) => x.publish, 'the early publish');
  conn.send({ id: f.id, ack: { offset: 1 } });
  assert.deepEqual(await waiting, { offset: 1 });
  const never = c.publish('r', 'unanswered');
  await conn.frame((x) => x.publish?.text === 'unanswered', 'second publish');
  c.disconnect();
  await assert.rejects(never, (e) => e.code === ErrorCode.UNAVAILABLE);
  assert.equal(c.state, 'disconnected');
});

test('an unsolicited subscribed (a gap the node could not fill, or a new epoch) moves the position and reports recovered: false', async () => {
  const c = newClient();
  const subscribed = [];
  const got = [];
  c.subscribe('news', { onSubscribed: (e) => subscribed.push(e), onMessage: (m) => got.push(m.offset) });
  start(c);
  const conn = await server.connection(1);
  conn.autoSubscribe({ offset: 4, epoch: 'e1' });
  conn.connected();
  await until(() => subscribed.length === 1, 'subscribed');
  conn.send({ subscribed: { room: 'news', position: { offset: 2, epoch: 'e2' }, recovered: false } },
    { message: { room: 'news', text: 'x', offset: 3, epoch: 'e2' } });
  await until(() => got.length === 1, 'the message of the new epoch');
  assert.deepEqual(subscribed[1], { room: 'news', position: { offset: 2, epoch: 'e2' }, resubscribed: false, recovered: false,
    since: { offset: 4, epoch: 'e1' } });
  assert.deepEqual(c.subscription('news').position, { offset: 3, epoch: 'e2' });
});

test('a subscribe left unanswered is not retried on the same connection (the node may still take it): the client reconnects', async () => {
  const c = newClient({ requestTimeoutMs: 200 });
  const subscribed = [];
  c.subscribe('slow', { onSubscribed: (e) => subscribed.push(e) });
  start(c);
  const first = await server.connection(1);
  first.connected(); // and never answers the subscribe
  await first.frame((f) => f.subscribe, 'the subscribe');
  clock.advance(199);
  assert.equal(c.state, 'connected');
  clock.advance(1);
  assert.ok(c.events.some((e) => e[0] === 'error' && /no reply to subscribe slow/.test(e[1].error.message)));
  await until(() => first.closed, 'the first connection to close');
  clock.advance(20);
  const second = await server.connection(2);
  second.autoSubscribe();
  second.connected();
  await until(() => subscribed.length === 1, 'subscribed on the second connection');
  assert.equal(first.frames.filter((f) => f.subscribe).length, 1);
});

test('a pushed unsubscribed (403: a refreshed token no longer grants the room) ends the room for good: an error, and no resubscribe on the next connection', async () => {
  const c = newClient();
  const errors = [];
  const left = [];
  c.on('unsubscribed', (room) => {
    left.push(room);
    bump();
  });
  c.subscribe('secret', { onError: (e) => errors.push(e) });
  c.subscribe('open');
  start(c);
  const first = await server.connection(1);
  first.autoSubscribe();
  first.connected();
  await until(() => c.events.filter((e) => e[0] === 'subscribed').length === 2, 'both subscribed');

  first.send({ unsubscribed: { room: 'secret', code: 403 } });
  await until(() => left.length === 1, 'the unsubscribed event');

  assert.deepEqual(left, ['secret']);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, ErrorCode.FORBIDDEN);
  assert.equal(errors[0].source, 'server');
  assert.equal(c.subscription('secret'), undefined);
  assert.equal(c.subscription('open').state, 'subscribed');
  first.ws.terminate();
  await event(c, 'disconnected');
  clock.advance(20);
  const second = await server.connection(2);
  second.autoSubscribe();
  second.connected();
  await second.frame((f) => f.subscribe?.room === 'open', 'resubscribe to open');
  await until(() => c.events.filter((e) => e[0] === 'subscribed').length === 3, 'open resubscribed');
  assert.deepEqual(second.frames.filter((f) => f.subscribe).map((f) => f.subscribe.room), ['open']);
});
