// The Node build against a real node for issue 13: a publish retried with the same idempotency key
// is stored once and answered with the same offset, over WebSocket and over HTTP (Idempotency-Key).
// Needs a server jar that honours idempotency keys (issue 13).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomcastClient } from '../../dist/node.js';
import { TestNode } from '../support/node.mjs';
import { Tap } from '../support/tap.mjs';
import { bump, until } from '../support/until.mjs';

let node;
let client;

before(async () => {
  node = await TestNode.start({ name: 'idem-it' });
});

after(async () => {
  client?.disconnect();
  await node?.kill();
});

test('two publishes with one idempotency key are stored once, and both get the same offset', async () => {
  const wire = new Tap();
  client = new RoomcastClient({ url: node.wsUrl, WebSocket: wire.WebSocket });
  client.on('message', bump);
  client.connect();
  const got = [];
  await client.subscribe('it-idem', { onMessage: (m) => got.push(m) }).ready;
  const first = await client.publish('it-idem', 'once', { idempotencyKey: 'it-key-1' });
  const again = await client.publish('it-idem', 'once', { idempotencyKey: 'it-key-1' });
  assert.equal(again.offset, first.offset);
  const other = await client.publish('it-idem', 'twice');
  assert.equal(other.offset, first.offset + 1);
  const viaHttp = async (key) => (await fetch(`${node.httpUrl}/api/v1/rooms/it-idem/messages`, {
    method: 'POST', headers: { 'content-type': 'text/plain', 'idempotency-key': key }, body: 'over http' })).json();
  const h1 = await viaHttp('it-key-2');
  const h2 = await viaHttp('it-key-2');
  assert.equal(h2.offset, h1.offset);
  assert.equal(Number(h1.offset), first.offset + 2);
  await until(() => got.length === 3, 'three messages');
  const barrier = await client.publish('it-idem', 'barrier');
  await until(() => got.some((m) => m.offset === barrier.offset), 'the barrier');
  assert.deepEqual(wire.texts('it-idem'), ['once', 'twice', 'over http', 'barrier'], 'each stored once, on the wire too');
});
