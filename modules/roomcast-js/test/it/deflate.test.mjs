// permessage-deflate with node's `ws` (a third-party client): negotiated, and a broadcast that the
// node compresses once is inflated by every subscriber; the wire carries far fewer bytes than the text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TestNode } from '../support/node.mjs';
import { bump, until } from '../support/until.mjs';

let node;

before(async () => {
  node = await TestNode.start({ name: 'deflate', env: { ROOMCAST_DEMO_TICKER: 'false' } });
});

after(async () => {
  await node?.kill();
});

function connect() {
  const ws = new WebSocket(node.wsUrl, ['roomcast.v1.json']); // ws offers permessage-deflate by default
  const frames = [];
  ws.on('message', (data) => {
    for (const line of data.toString('utf8').split('\n')) if (line.trim()) frames.push(JSON.parse(line));
    bump();
  });
  return new Promise((ok, fail) => {
    ws.once('open', () => ok({ ws, frames }));
    ws.once('error', fail);
  });
}

test('node ws negotiates permessage-deflate and inflates a broadcast compressed once by the node', async () => {
  const a = await connect();
  const b = await connect();
  try {
    assert.match(a.ws.extensions, /permessage-deflate/);
    assert.match(b.ws.extensions, /permessage-deflate/);
    for (const c of [a, b]) {
      c.ws.send('{"id":1,"subscribe":{"room":"squeeze"}}');
      await until(() => c.frames.some((f) => f.id === 1 && f.subscribed), 'subscribed');
    }
    const text = 'roomcast '.repeat(2000); // 18 kB that compress well
    const before = b.ws._socket.bytesRead;
    a.ws.send(JSON.stringify({ id: 2, publish: { room: 'squeeze', text } }));

    await until(() => b.frames.some((f) => f.message?.text === text), 'the message at b');
    await until(() => a.frames.some((f) => f.message?.text === text), 'the message at a');
    const onTheWire = b.ws._socket.bytesRead - before;
    assert.ok(onTheWire < text.length / 10, `compressed on the wire: ${onTheWire} bytes for ${text.length} of text`);
  } finally {
    a.ws.close();
    b.ws.close();
  }
});
