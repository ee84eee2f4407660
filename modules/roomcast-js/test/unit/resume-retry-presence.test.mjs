// The client against a scripted peer, for issue 13 (publishes safe to retry, `lagged` resumes the
// room) and issue 16 (presence, join/leave, rooms the node subscribes the client to on its own).
// Time is the test's (ManualScheduler); everything else is awaited as an event (until()).
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
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

/** A client on the manual clock, without jitter: reconnect delays 20, 40, ... ms; publish retries after 100, 200, ... ms. */
function newClient(options = {}) {
  const c = new RoomcastClient({ url: server.url, backoff: { minDelayMs: 20, maxDelayMs: 200 }, scheduler: clock, random: () => 0,
    publishRetry: { attempts: 3, minDelayMs: 100, maxDelayMs: 1000 }, ...options });
  const events = [];
  for (const e of ['connected', 'disconnected', 'error', 'subscribed', 'message', 'lagged', 'join', 'leave', 'serverSubscribed', 'unsubscribed']) {
    c.on(e, (...args) => {
      events.push([e, ...args]);
      bump();
    });
  }
  c.events = events;
  clients.push(c);
  return c;
}

/** connect(), the first attempt, and its connected frame: resolves with the scripted connection. */
async function connected(c, n = 1, fields = {}) {
  if (n === 1) c.connect();
  clock.advance(0);
  const conn = await server.connection(n);
  conn.connected(fields);
  await until(() => c.state === 'connected' && c.connection?.session === (fields.session ?? 's1'), `connected (${n})`);
  return conn;
}

/** Ends connection `conn` and lets the client's reconnect delay pass. */
async function cut(c, conn) {
  const before = c.events.filter((e) => e[0] === 'disconnected').length;
  conn.ws.terminate();
  await until(() => c.events.filter((e) => e[0] === 'disconnected').length > before, 'disconnected');
  clock.advance(200);
}

/** Lets every promise callback due run (settles what the client resolved). */
const settle = () => new Promise(setImmediate);

const publishes = (conn) => conn.frames.filter((f) => f.publish);

// ---- issue 13: publishes safe to retry ----

test('every publish carries its own random idempotency key (16 bytes base64url)', async () => {
  const c = newClient();
  const conn = await connected(c);
  c.publish('r', 'a').catch(() => {});
  c.publish('r', new Uint8Array([1])).catch(() => {});
  await until(() => publishes(conn).length === 2, 'two publishes');
  const [a, b] = publishes(conn).map((f) => f.publish.idempotencyKey);
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  assert.match(b, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a, b);
});

test('a publish answered 503 is sent again after the backoff with the same key, and resolves with the ack of the retry', async () => {
  const c = newClient();
  const conn = await connected(c);
  const p = c.publish('r', 'hello');
  const first = await conn.frame((f) => f.publish, 'the publish');
  conn.send({ id: first.id, error: { code: 503, message: 'broker unavailable' } });
  await until(() => clock.scheduledIn(100), 'the retry to be scheduled');
  clock.advance(99);
  await settle();
  assert.equal(publishes(conn).length, 1, 'no retry before the backoff');
  clock.advance(1);
  await until(() => publishes(conn).length === 2, 'the retry');
  const second = publishes(conn)[1];
  assert.notEqual(second.id, first.id);
  assert.equal(second.publish.idempotencyKey, first.publish.idempotencyKey);
  assert.equal(second.publish.text, 'hello');
  conn.send({ id: second.id, ack: { offset: 7 } });
  assert.deepEqual(await p, { offset: 7 });
});

test('a publish whose connection closed before the ack is sent again on the next connection with the same key', async () => {
  const c = newClient();
  const first = await connected(c);
  const p = c.publish('r', 'once', { idempotencyKey: 'my-key' });
  await first.frame((f) => f.publish, 'the publish');
  await cut(c, first);
  const second = await connected(c, 2);
  await settle();
  clock.advance(100); // the publish retry's backoff
  const retry = await second.frame((f) => f.publish, 'the publish again');
  assert.equal(retry.publish.idempotencyKey, 'my-key');
  second.send({ id: retry.id, ack: { offset: 3 } });
  assert.deepEqual(await p, { offset: 3 });
});

test('a publish with no reply in time is sent again with the same key; attempts are bounded', async () => {
  const c = newClient({ requestTimeoutMs: 500 });
  const conn = await connected(c);
  const p = c.publish('r', 'lost');
  let failure;
  p.catch((e) => { failure = e; });
  await conn.frame((f) => f.publish, 'attempt 1');
  clock.advance(500); // timeout
  await settle();
  clock.advance(100);
  await until(() => publishes(conn).length === 2, 'attempt 2');
  clock.advance(500);
  await settle();
  clock.advance(200);
  await until(() => publishes(conn).length === 3, 'attempt 3');
  clock.advance(500);
  await settle();
  assert.ok(failure, 'the publish failed after the third attempt');
  assert.equal(failure.code, ErrorCode.TIMEOUT);
  clock.advance(10_000);
  await settle();
  assert.equal(publishes(conn).length, 3, 'three attempts in all');
  assert.equal(new Set(publishes(conn).map((f) => f.publish.idempotencyKey)).size, 1);
});

test('a refusal that retrying cannot fix (400, 403, 413, 429) is not retried', async () => {
  const c = newClient();
  const conn = await connected(c);
  for (const code of [400, 403, 413, 429]) {
    const p = c.publish('r', `refused ${code}`);
    const f = await conn.frame((x) => x.publish?.text === `refused ${code}`, `publish ${code}`);
    conn.send({ id: f.id, error: { code, message: 'no' } });
    await assert.rejects(p, (e) => e instanceof RoomcastError && e.code === code && e.source === 'server');
  }
  clock.advance(60_000);
  await settle();
  assert.equal(publishes(conn).length, 4);
});

// ---- issue 13: lagged ----

test('lagged resumes the room from history: unsubscribe, subscribe since the last offset delivered; messages until the new subscribed are ignored', async () => {
  const c = newClient();
  const got = [];
  const subscribed = [];
  c.subscribe('r', { onMessage: (m) => got.push(m.offset), onSubscribed: (e) => subscribed.push(e) });
  const conn = await connected(c);
  const sub = await conn.frame((f) => f.subscribe, 'subscribe');
  conn.send({ id: sub.id, subscribed: { room: 'r', position: { offset: 0, epoch: 'e' } } },
    { message: { room: 'r', text: 'm1', offset: 1, epoch: 'e' } });
  await until(() => got.length === 1, 'message 1');
  // The node dropped 2 and 3: lagged after 1, then 4 (which skips offsets).
  conn.send({ lagged: { room: 'r', position: { offset: 1, epoch: 'e' } } }, { message: { room: 'r', text: 'm4', offset: 4, epoch: 'e' } });
  const unsubscribe = await conn.frame((f) => f.unsubscribe, 'the unsubscribe');
  const resume = await conn.frame((f) => f.subscribe && f.id !== sub.id, 'the resuming subscribe');
  assert.equal(unsubscribe.unsubscribe.room, 'r');
  assert.ok(conn.frames.indexOf(unsubscribe) < conn.frames.indexOf(resume), 'unsubscribe first');
  assert.deepEqual({ offset: Number(resume.subscribe.since.offset), epoch: resume.subscribe.since.epoch }, { offset: 1, epoch: 'e' });
  assert.deepEqual(got, [1], 'message 4 was ignored');
  conn.send({ message: { room: 'r', text: 'm5', offset: 5, epoch: 'e' } }, // still the old subscription: ignored
    { id: unsubscribe.id, unsubscribed: { room: 'r' } },
    { id: resume.id, subscribed: { room: 'r', position: { offset: 5, epoch: 'e' }, recovered: true } },
    ...[2, 3, 4, 5].map((o) => ({ message: { room: 'r', text: `m${o}`, offset: o, epoch: 'e' } })));
  await until(() => got.length === 5, 'the replay');
  assert.deepEqual(got, [1, 2, 3, 4, 5]);
  assert.equal(c.lagsRecovered, 1);
  assert.deepEqual(c.events.find((e) => e[0] === 'lagged')[1], { room: 'r', position: { offset: 1, epoch: 'e' } });
  assert.equal(subscribed[1].recovered, true);
  assert.equal(c.subscription('r').state, 'subscribed');
});

test('a resume after lagged that the node could not serve (503) is retried after a backoff', async () => {
  const c = newClient();
  const got = [];
  c.subscribe('r', { onMessage: (m) => got.push(m.offset) });
  const conn = await connected(c);
  const sub = await conn.frame((f) => f.subscribe, 'subscribe');
  conn.send({ id: sub.id, subscribed: { room: 'r', position: { offset: 3, epoch: 'e' } } },
    { lagged: { room: 'r', position: { offset: 3, epoch: 'e' } } });
  const resume = await conn.frame((f) => f.subscribe?.since, 'the resuming subscribe');
  conn.send({ id: resume.id, error: { code: 503, message: 'history unavailable' } });
  await until(() => c.events.some((e) => e[0] === 'error' && e[1].context === 'subscribe'), 'the error');
  clock.advance(500); // the subscribe retry's delay (250 * 2, no jitter)
  await until(() => conn.frames.filter((f) => f.subscribe?.since).length === 2, 'the retry');
  const again = conn.frames.filter((f) => f.subscribe?.since)[1];
  assert.equal(Number(again.subscribe.since.offset), 3);
  conn.send({ id: again.id, subscribed: { room: 'r', position: { offset: 4, epoch: 'e' }, recovered: true } },
    { message: { room: 'r', text: 'm4', offset: 4, epoch: 'e' } });
  await until(() => got.length === 1, 'message 4');
  assert.deepEqual(got, [4]);
});

// ---- issue 16: presence, join and leave ----

for (const format of ['proto', 'json']) {
  test(`presence() and presenceStats() (${format}): the requests, and their replies with info as a JSON object`, async () => {
    const c = newClient({ format });
    const conn = await connected(c);
    const who = c.presence('chat');
    const req = await conn.frame((f) => f.presence, 'the presence request');
    assert.equal(req.presence.room, 'chat');
    if (format === 'json') { // as the Java node prints it: a Struct is a plain JSON object
      conn.ws.send(`{"id":${req.id},"presence":{"room":"chat","members":[{"user":"alice","session":"n1-1",`
        + '"info":{"name":"Alice","age":7,"tags":[true]}},{"session":"n2-9"}]}}');
    } else {
      conn.send({ id: req.id, presence: { room: 'chat', members: [
        { user: 'alice', session: 'n1-1', info: { fields: { name: { stringValue: 'Alice' }, age: { numberValue: 7 }, tags: { listValue: { values: [{ boolValue: true }] } } } } },
        { user: '', session: 'n2-9' }] } });
    }
    assert.deepEqual(await who, { room: 'chat', members: [
      { user: 'alice', session: 'n1-1', info: { name: 'Alice', age: 7, tags: [true] } },
      { user: '', session: 'n2-9' }] });
    const stats = c.presenceStats('chat');
    const sreq = await conn.frame((f) => f.presenceStats, 'the presenceStats request');
    if (format === 'json') assert.match(conn.texts.at(-1), /"presenceStats":\{"room":"chat"\}/);
    conn.send({ id: sreq.id, presenceStats: { room: 'chat', sessions: 3, users: 2 } });
    assert.deepEqual(await stats, { room: 'chat', sessions: 3, users: 2 });
    const refused = c.presence('big');
    const rreq = await conn.frame((f) => f.presence?.room === 'big', 'presence of big');
    conn.send({ id: rreq.id, error: { code: 413, message: 'too many members' } });
    await assert.rejects(refused, (e) => e.code === 413 && e.request === 'presence');
  });
}

test('joinLeave: true goes on every subscribe of the room; join and leave reach onJoin/onLeave, then the client events', async () => {
  const c = newClient({ format: 'json' });
  const seen = [];
  c.subscribe('chat', {
    onJoin: (m, room) => seen.push(['join', room, m]),
    onLeave: (m, room) => seen.push(['leave', room, m]),
  }, { joinLeave: true });
  c.subscribe('plain');
  const first = await connected(c);
  first.autoSubscribe({ offset: 0, epoch: 'e' });
  const sub = await first.frame((f) => f.subscribe?.room === 'chat', 'subscribe chat');
  assert.equal(sub.subscribe.joinLeave, true);
  assert.match(first.texts.find((t) => t.includes('"chat"')), /"joinLeave":true/);
  const plain = await first.frame((f) => f.subscribe?.room === 'plain', 'subscribe plain');
  assert.ok(!plain.subscribe.joinLeave);
  await until(() => c.events.filter((e) => e[0] === 'subscribed').length === 2, 'both subscribed');
  // What the Java node prints: info as a plain JSON object.
  first.ws.send('{"join":{"room":"chat","member":{"user":"bob","session":"n2-7f3a","info":{"name":"Bob"}}}}\n'
    + '{"leave":{"room":"chat","member":{"user":"bob","session":"n2-7f3a"}}}');
  await until(() => seen.length === 2, 'join and leave');
  assert.deepEqual(seen, [
    ['join', 'chat', { user: 'bob', session: 'n2-7f3a', info: { name: 'Bob' } }],
    ['leave', 'chat', { user: 'bob', session: 'n2-7f3a' }]]);
  assert.deepEqual(c.events.filter((e) => e[0] === 'join' || e[0] === 'leave').map((e) => [e[0], e[1].member.user]), [['join', 'bob'], ['leave', 'bob']]);
  await cut(c, first);
  const second = await connected(c, 2);
  const again = await second.frame((f) => f.subscribe?.room === 'chat', 'resubscribe chat');
  assert.equal(again.subscribe.joinLeave, true);
  assert.ok(again.subscribe.since);
});

// ---- issue 16: rooms the node subscribes the client to (personal rooms) ----

test('an unsolicited subscribed for @alice makes a subscription with the serverSubscriptions handlers; its messages are delivered', async () => {
  const got = [];
  const c = newClient({ serverSubscriptions: (room) => ({ onMessage: (m) => got.push([room, m.text, m.offset]) }) });
  const conn = await connected(c);
  conn.send({ subscribed: { room: '@alice', position: { offset: 4, epoch: 'p' } } },
    { message: { room: '@alice', text: 'psst', offset: 5, epoch: 'p' } });
  await until(() => got.length === 1, 'the direct message');
  assert.deepEqual(got, [['@alice', 'psst', 5]]);
  const made = c.events.find((e) => e[0] === 'serverSubscribed')[1];
  assert.equal(made.room, '@alice');
  assert.equal(made.serverSide, true);
  assert.equal(c.subscription('@alice'), made);
  assert.deepEqual(c.events.find((e) => e[0] === 'subscribed')[1], { room: '@alice', position: { offset: 4, epoch: 'p' }, resubscribed: false });
  assert.equal(conn.frames.filter((f) => f.subscribe).length, 0, 'the client did not ask for it');
});

test('after a reconnect a server-side room is resumed with subscribe {since}; the push and the room\'s messages wait for the reply', async () => {
  const got = [];
  const c = newClient();
  c.on('serverSubscribed', (sub) => sub.setHandlers({ onMessage: (m) => got.push(m.offset) }));
  const first = await connected(c);
  first.send({ subscribed: { room: '@alice', position: { offset: 4, epoch: 'p' } } },
    { message: { room: '@alice', text: 'five', offset: 5, epoch: 'p' } });
  await until(() => got.length === 1, 'message 5');
  await cut(c, first);

  clock.advance(0);
  const second = await server.connection(2);
  // The node subscribes the connection at connect and says so, then a live message (7) arrives.
  second.send({ connected: { node: 'script', session: 's2', pingIntervalMs: 0, maxMessageBytes: 65536 } },
    { subscribed: { room: '@alice', position: { offset: 6, epoch: 'p' } } },
    { message: { room: '@alice', text: 'seven', offset: 7, epoch: 'p' } });
  const resume = await second.frame((f) => f.subscribe, 'the resuming subscribe');
  assert.equal(resume.subscribe.room, '@alice');
  assert.deepEqual({ offset: Number(resume.subscribe.since.offset), epoch: resume.subscribe.since.epoch }, { offset: 5, epoch: 'p' });
  assert.deepEqual(got, [5], 'nothing delivered before the reply');
  second.send({ id: resume.id, subscribed: { room: '@alice', position: { offset: 7, epoch: 'p' }, recovered: true } },
    { message: { room: '@alice', text: 'six', offset: 6, epoch: 'p' } },
    { message: { room: '@alice', text: 'seven', offset: 7, epoch: 'p' } });
  await until(() => got.length === 3, 'the replay');
  assert.deepEqual(got, [5, 6, 7]);
  const resubscribed = c.events.filter((e) => e[0] === 'subscribed').at(-1)[1];
  assert.deepEqual(resubscribed, { room: '@alice', position: { offset: 7, epoch: 'p' }, resubscribed: true, since: { offset: 5, epoch: 'p' }, recovered: true });
});

test('a node that refuses to resume its own subscription (409) leaves the stream at its push, reported as recovered: false', async () => {
  const c = newClient();
  const first = await connected(c);
  first.send({ subscribed: { room: '@alice', position: { offset: 4, epoch: 'p' } } });
  await until(() => c.subscription('@alice')?.state === 'subscribed', 'the server-side room');
  await cut(c, first);
  clock.advance(0);
  const second = await server.connection(2);
  second.send({ connected: { node: 'script', session: 's2' } }, { subscribed: { room: '@alice', position: { offset: 6, epoch: 'p' } } });
  const resume = await second.frame((f) => f.subscribe, 'the resuming subscribe');
  second.send({ id: resume.id, error: { code: 409, message: 'already subscribed' } });
  await until(() => c.events.filter((e) => e[0] === 'subscribed').length === 2, 'the second subscribed event');
  const e = c.events.filter((x) => x[0] === 'subscribed')[1][1];
  assert.deepEqual(e, { room: '@alice', position: { offset: 6, epoch: 'p' }, resubscribed: true, since: { offset: 4, epoch: 'p' }, recovered: false });
  assert.equal(c.subscription('@alice').state, 'subscribed');
});

test('a message to this connection ($<session>) reaches the client\'s message listeners without a subscription', async () => {
  const c = newClient();
  const conn = await connected(c, 1, { session: 'n1-42' });
  conn.send({ message: { room: '$n1-42', text: 'just you' } }, { message: { room: 'elsewhere', text: 'not subscribed' } },
    { message: { room: '$n1-42', text: 'you again' } });
  await until(() => c.events.filter((e) => e[0] === 'message').length === 2, 'two messages');
  assert.deepEqual(c.events.filter((e) => e[0] === 'message').map((e) => [e[1].room, e[1].text]),
    [['$n1-42', 'just you'], ['$n1-42', 'you again']]);
});
