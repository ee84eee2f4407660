// The Node build against a real node with authentication on (HS256 tokens) for issue 16: presence
// and presenceStats, join and leave to subscribers that asked, the personal room @alice the node
// subscribes every connection of alice to (a direct message through the HTTP API reaches all of
// them), and its recovery after a cut link, by the client's resume rule (subscribe {since} for a
// room the node subscribed it to). Needs a server jar with presence (issue 16).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomcastClient } from '../../dist/node.js';
import { TestNode } from '../support/node.mjs';
import { CuttableProxy } from '../support/proxy.mjs';
import { apiPublish, AUTH_ENV, token } from '../support/tokens.mjs';
import { bump, until } from '../support/until.mjs';

let node;
let clients = [];

before(async () => {
  node = await TestNode.start({ name: 'presence-it', env: { ...AUTH_ENV, ROOMCAST_PRESENCE_GRACE: '300ms' } });
});

after(async () => {
  await node?.kill();
});

afterEach(() => {
  for (const c of clients) c.disconnect();
  clients = [];
});

/** A connected client of `user`, recording its events; messages of server-side rooms go to c.direct. */
async function connected(user, options = {}) {
  const c = new RoomcastClient({ url: node.wsUrl, token: token(user, { subscribe: ['*'], publish: ['*'], info: { name: user.toUpperCase() } }),
    backoff: { minDelayMs: 50, maxDelayMs: 500 }, ...options,
    serverSubscriptions: () => ({ onMessage: (m) => { c.direct.push(m); bump(); } }) });
  c.direct = [];
  c.seen = [];
  for (const e of ['connected', 'disconnected', 'subscribed', 'join', 'leave', 'serverSubscribed']) {
    c.on(e, (...a) => {
      c.seen.push([e, ...a]);
      bump();
    });
  }
  clients.push(c);
  c.connect();
  await until(() => c.state === 'connected', `${user} to connect`);
  return c;
}

test('presence, presenceStats, and join/leave to the subscribers that asked', async () => {
  const alice = await connected('alice');
  const room = 'it-presence';
  await alice.subscribe(room, {}, { joinLeave: true }).ready;
  const bob = await connected('bob');
  const quiet = await connected('carol');
  await quiet.subscribe(room).ready; // without joinLeave
  await bob.subscribe(room).ready;
  const joins = () => alice.seen.filter((e) => e[0] === 'join' && e[1].member.user !== 'alice').map((e) => e[1].member);
  await until(() => joins().length === 2, 'two joins at alice');
  assert.deepEqual(joins().map((m) => m.user), ['carol', 'bob']);
  assert.deepEqual(joins()[0].info, { name: 'CAROL' });
  assert.equal(joins()[1].session, bob.connection.session);

  const members = await bob.presence(room);
  assert.deepEqual(members.members.map((m) => m.user).sort(), ['alice', 'bob', 'carol']);
  assert.equal(members.members.find((m) => m.user === 'bob').session, bob.connection.session);
  assert.deepEqual(await bob.presenceStats(room), { room, sessions: 3, users: 3 });

  await bob.unsubscribe(room);
  await until(() => alice.seen.some((e) => e[0] === 'leave'), 'bob\'s leave at alice');
  assert.equal(alice.seen.find((e) => e[0] === 'leave')[1].member.session, members.members.find((m) => m.user === 'bob').session);
  assert.ok(!quiet.seen.some((e) => e[0] === 'join' || e[0] === 'leave'), 'carol did not ask for join/leave');
});

test('a direct message to @alice reaches every connection of alice, and is recovered after a cut link', async () => {
  const proxy = await CuttableProxy.start(node.port);
  try {
    const a1 = await connected('alice');
    const a2 = await connected('alice', { url: `ws://127.0.0.1:${proxy.port}/ws` });
    const bob = await connected('bob');
    for (const c of [a1, a2, bob]) await until(() => c.seen.some((e) => e[0] === 'serverSubscribed'), 'the personal room');
    assert.equal(a1.subscription('@alice').serverSide, true);
    assert.equal(bob.subscription('@alice'), undefined);

    await apiPublish(node, '@alice', 'one');
    await until(() => a1.direct.length === 1 && a2.direct.length === 1, 'the direct message at both connections');
    assert.deepEqual([a1.direct[0].room, a1.direct[0].text], ['@alice', 'one']);

    proxy.cut();
    await until(() => a2.seen.some((e) => e[0] === 'disconnected'), 'a2 cut');
    proxy.refusing = true;
    await apiPublish(node, '@alice', 'two, while away');
    await until(() => a1.direct.length === 2, 'a1 gets it live');
    proxy.refusing = false;
    await until(() => a2.direct.length === 2, 'a2 recovers it', 15_000);
    assert.deepEqual(a2.direct.map((m) => m.text), ['one', 'two, while away']);
    const resumed = a2.seen.filter((e) => e[0] === 'subscribed' && e[1].room === '@alice').at(-1)[1];
    assert.equal(resumed.recovered, true);
    await apiPublish(node, '@bob', 'barrier');
    await until(() => bob.direct.length === 1, 'bob\'s own message');
    assert.deepEqual(bob.direct.map((m) => m.text), ['barrier'], 'nothing of alice reached bob');
  } finally {
    await proxy.close();
  }
});
