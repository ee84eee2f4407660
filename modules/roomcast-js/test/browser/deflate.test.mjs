// Chromium negotiates permessage-deflate with a node and inflates what the node compressed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode } from '../support/node.mjs';
import { launchBrowser } from '../support/browser.mjs';

let node;
let browser;

before(async () => {
  node = await TestNode.start({ name: 'deflate-browser', env: { ROOMCAST_DEMO_TICKER: 'false' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await node?.kill();
});

test('Chromium negotiates permessage-deflate and reads a compressed broadcast', async () => {
  const page = await browser.context.newPage();
  await page.goto(node.httpUrl + '/');
  const result = await page.evaluate(async () => {
    const ws = new WebSocket(`ws://${location.host}/ws`, 'roomcast.v1.json');
    const lines = [];
    ws.onmessage = (e) => { for (const l of e.data.split('\n')) if (l.trim()) lines.push(JSON.parse(l)); };
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    const waiters = [];
    const until = (pred) => (pred() ? Promise.resolve() : new Promise((ok) => waiters.push({ pred, ok })));
    ws.addEventListener('message', () => {
      for (const w of waiters.splice(0)) if (w.pred()) w.ok(); else waiters.push(w);
    });
    ws.send('{"id":1,"subscribe":{"room":"squeeze"}}');
    await until(() => lines.some((f) => f.id === 1 && f.subscribed));
    const text = 'roomcast '.repeat(2000);
    ws.send(JSON.stringify({ id: 2, publish: { room: 'squeeze', text } }));
    await until(() => lines.some((f) => f.message && f.message.text === text));
    const extensions = ws.extensions;
    ws.close();
    return { extensions, got: true };
  });
  assert.match(result.extensions, /permessage-deflate/);
  assert.equal(result.got, true);
});
