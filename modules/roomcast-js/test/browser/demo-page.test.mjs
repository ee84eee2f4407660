// The demo page in a real browser (Debian's Chromium driven by playwright-core) against a real node:
// two tabs chat through the node, the ticker runs, and when the node is killed (SIGKILL) and started
// again on the same port, both tabs reconnect and resubscribe by themselves. Screenshots go to
// target/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, TestNode } from '../support/node.mjs';
import { launchBrowser, screenshot } from '../support/browser.mjs';
import { CuttableProxy } from '../support/proxy.mjs';
import { bump, until } from '../support/until.mjs';
import { roomcast } from '../../src/gen/roomcast.js';
import protobuf from 'protobufjs/minimal.js';

let browser;
let node;
let port;

before(async () => {
  port = await freePort();
  node = await TestNode.start({ port, name: 'browser' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await node?.kill();
});

/** Waits until the element with data-testid `id` has text matching `re`. */
async function waitText(page, id, re, timeout = 15_000) {
  try {
    await page.waitForFunction(([sel, src, flags]) => new RegExp(src, flags).test(document.querySelector(sel)?.textContent ?? ''),
      [`[data-testid="${id}"]`, re.source, re.flags], { timeout, polling: 50 });
  } catch (e) {
    const seen = await page.locator(`[data-testid="${id}"]`).textContent().catch(() => '(no element)');
    throw new Error(`${id} never matched ${re} within ${timeout} ms; it shows: ${JSON.stringify(seen)}`);
  }
}

async function say(page, text) {
  await page.fill('[data-testid="message-input"]', text);
  await page.click('[data-testid="send"]');
}

/** The frames in raw binary WebSocket payloads (the page's default subprotocol), decoded as `Type`. */
function decodeAll(payloads, Type) {
  const frames = [];
  for (const payload of payloads) {
    if (typeof payload === 'string') continue;
    const r = protobuf.Reader.create(new Uint8Array(payload));
    while (r.pos < r.len) frames.push(Type.decodeDelimited(r));
  }
  return frames;
}

/** The chat texts of `room` on the wire under a page's client. */
function wireTexts(wire, room) {
  return decodeAll(wire.received, roomcast.v1.ServerFrame).filter((f) => f.message?.room === room)
    .map((f) => JSON.parse(f.message.text).text);
}

async function openTab(query, base = node.httpUrl) {
  const page = await browser.context.newPage();
  /** Every WebSocket message the page received and sent, raw: the wire under the page's client. */
  const wire = { received: [], sent: [] };
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => { wire.received.push(f.payload); bump(); });
    ws.on('framesent', (f) => { wire.sent.push(f.payload); bump(); });
  });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The browser itself logs failed WebSocket attempts while the node is down: expected then.
    if (m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${base}/${query}`);
  return { page, problems, wire };
}

test('two tabs exchange messages through a node and survive the node being killed and restarted', async () => {
  const a = await openTab('?name=Ada');
  const b = await openTab('?name=Bob&format=json'); // the second tab speaks the JSON subprotocol
  assert.equal(await a.page.title(), 'roomcast demo');

  for (const { page } of [a, b]) {
    await waitText(page, 'state', /^connected$/);
    await waitText(page, 'room-status', /^subscribed · offset \d+/);
  }
  assert.equal(await a.page.textContent('[data-testid="format"]'), 'proto');
  assert.equal(await b.page.textContent('[data-testid="format"]'), 'json');

  await say(a.page, 'hello from Ada');
  await waitText(b.page, 'messages', /Ada\s*hello from Ada/);
  await say(b.page, 'hi Ada, Bob here');
  await waitText(a.page, 'messages', /Bob\s*hi Ada, Bob here/);

  // The node's DemoTicker feeds room "ticker"; latency and RTT are measured and shown.
  for (const { page } of [a, b]) {
    await waitText(page, 'tick-seq', /^\d+$/);
    await waitText(page, 'ticker', /ACME/);
    await waitText(page, 'rtt', /^\d+(\.\d+)? ms$/);
    await waitText(page, 'latency', /^\d+ ms \(avg/);
  }
  assert.equal(await a.page.locator('[data-testid="ticker"] tbody tr').count(), 5);
  await screenshot(a.page, '1-two-tabs-tab-a');
  await screenshot(b.page, '1-two-tabs-tab-b');

  // A crash: no close frame reaches the pages; they notice the TCP close and keep trying.
  await node.kill();
  for (const { page } of [a, b]) await waitText(page, 'state', /^connecting$/);
  await waitText(a.page, 'log', /disconnected: 1006/);
  await screenshot(a.page, '2-node-killed-tab-a');

  node = await TestNode.start({ port, name: 'browser-restarted' });
  for (const { page } of [a, b]) {
    await waitText(page, 'state', /^connected$/, 20_000);
    await waitText(page, 'reconnects', /^1$/);
    // The in-memory broker of the new node has a new epoch: the page resubscribed with `since`
    // and the server says the gap cannot be recovered.
    await waitText(page, 'room-status', /recovered: false/);
    await waitText(page, 'log', /resubscribed to lobby from offset \d+: recovered: false/);
  }

  await say(b.page, 'still here after the restart');
  await waitText(a.page, 'messages', /Bob\s*still here after the restart/);
  await say(a.page, 'me too');
  await waitText(b.page, 'messages', /Ada\s*me too/);
  // The ticker resumes on the new node too (its sequence starts again).
  const seqBefore = await a.page.textContent('[data-testid="tick-seq"]');
  await waitText(a.page, 'tick-seq', new RegExp(`^(?!${seqBefore}$)\\d+$`));
  await screenshot(a.page, '3-after-restart-tab-a');
  await screenshot(b.page, '3-after-restart-tab-b');

  assert.deepEqual([...a.problems, ...b.problems], []);
});

test('the page joins and leaves rooms; messages of another room count as unread', async () => {
  const a = await openTab('?name=Cy&rooms=lobby');
  const b = await openTab('?name=Di&rooms=news');
  for (const { page } of [a, b]) await waitText(page, 'state', /^connected$/);

  await a.page.fill('[data-testid="join-input"]', 'news');
  await a.page.click('[data-testid="join-form"] button');
  await waitText(a.page, 'room-title', /# news/);
  await waitText(a.page, 'room-status', /^subscribed/);
  await a.page.click('[data-testid="room-lobby"]');
  await waitText(a.page, 'room-title', /# lobby/);

  await say(b.page, 'breaking news');
  await waitText(a.page, 'room-news', /news\s*1/); // one unread in news
  await a.page.click('[data-testid="room-news"]');
  await waitText(a.page, 'messages', /Di\s*breaking news/);

  await a.page.click('[data-testid="leave-news"]');
  await waitText(a.page, 'rooms', /^(?!.*news).*lobby/);
  await until(() => {
    const unsubscribe = decodeAll(a.wire.sent, roomcast.v1.ClientFrame).find((f) => f.unsubscribe?.room === 'news');
    return unsubscribe && decodeAll(a.wire.received, roomcast.v1.ServerFrame).some((f) => f.id === unsubscribe.id);
  }, 'the node to confirm the unsubscribe', 15_000);
  await say(b.page, 'nobody in a hears this');
  await waitText(b.page, 'messages', /nobody in a hears this/);
  // A barrier on a's wire: join news again (no replay for a fresh subscription) and wait for the next
  // message; the node sends a room's messages in offset order, so the one a left for would come first.
  await a.page.fill('[data-testid="join-input"]', 'news');
  await a.page.click('[data-testid="join-form"] button');
  await waitText(a.page, 'room-status', /^subscribed/);
  await say(b.page, 'back in news');
  await waitText(a.page, 'messages', /Di\s*back in news/);
  assert.deepEqual(wireTexts(a.wire, 'news'), ['breaking news', 'back in news']);
  assert.doesNotMatch(await a.page.textContent('[data-testid="messages"]'), /nobody in a hears this/);
  assert.deepEqual([...a.problems, ...b.problems], []);
});

test('a tab behind a relay (as behind a load balancer) whose link is cut gets what it missed on reconnect (recovered: true)', async () => {
  const relay = await CuttableProxy.start(node.port);
  try {
    const a = await openTab('?name=Eve&rooms=relay-room', `http://127.0.0.1:${relay.port}`);
    const b = await openTab('?name=Fay&rooms=relay-room');
    for (const { page } of [a, b]) await waitText(page, 'state', /^connected$/);
    await say(b.page, 'first');
    await waitText(a.page, 'messages', /Fay\s*first/);

    relay.refusing = true;
    relay.cut();
    await waitText(a.page, 'state', /^connecting$/);
    await say(b.page, 'while Eve was away');
    await waitText(b.page, 'messages', /while Eve was away/);
    const refused = relay.refused;
    await until(() => relay.refused >= refused + 1, 'a refused reconnect attempt');
    relay.refusing = false;

    await waitText(a.page, 'state', /^connected$/, 20_000);
    await waitText(a.page, 'room-status', /recovered: true/);
    await waitText(a.page, 'log', /resubscribed to relay-room from offset \d+: recovered: true/);
    await waitText(a.page, 'messages', /Fay\s*first.*Fay\s*while Eve was away/);
    await screenshot(a.page, '4-relay-cut-recovered-tab-a');
    assert.deepEqual([...a.problems, ...b.problems], []);
  } finally {
    await relay.close();
  }
});
