// The demo page on a real cluster: three nodes sharing rooms through Redis, behind haproxy with
// deploy/haproxy/haproxy.cfg. Two tabs on different nodes chat; the node of one tab is killed, the
// other tab keeps talking, and the first tab comes back through the balancer on another node with
// `recovered: true` and the message it missed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode } from '../support/node.mjs';
import { launchBrowser, screenshot } from '../support/browser.mjs';
import { TestHaproxy } from '../support/haproxy.mjs';
import { TestRedis } from '../support/redis.mjs';

const skip = TestHaproxy.available() && TestRedis.available() ? false
  : 'no haproxy or redis-server (apt-get install -y haproxy redis-server)';
let redis;
let nodes = [];
let lb;
let browser;

before(async () => {
  if (skip) return;
  redis = await TestRedis.start();
  // One ticker for the cluster; the nodes trust haproxy's X-Forwarded-For.
  const env = (ticker) => ({ ROOMCAST_REDIS: redis.uri, ROOMCAST_DEMO_TICKER: String(ticker), ROOMCAST_PROXIES_TRUSTED: '127.0.0.1' });
  nodes = [
    await TestNode.start({ name: 'cl-a', env: env(true) }),
    await TestNode.start({ name: 'cl-b', env: env(false) }),
    await TestNode.start({ name: 'cl-c', env: env(false) }),
  ];
  lb = await TestHaproxy.start(nodes);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await lb?.stop();
  for (const n of nodes) await n.kill();
  await redis?.stop();
});

async function waitText(page, id, re, timeout = 20_000) {
  await page.waitForFunction(([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''),
    [`[data-testid="${id}"]`, re.source], { timeout, polling: 50 }).catch(async () => {
    throw new Error(`${id} never matched ${re}; it shows ${JSON.stringify(await page.textContent(`[data-testid="${id}"]`))}`);
  });
}

async function open(name) {
  const page = await browser.context.newPage();
  await page.goto(`${lb.httpUrl}/?name=${name}&rooms=cluster-room`);
  await waitText(page, 'state', /^connected$/);
  await waitText(page, 'room-status', /^subscribed/);
  return page;
}

async function say(page, text) {
  await page.fill('[data-testid="message-input"]', text);
  await page.click('[data-testid="send"]');
}

test('two tabs on different nodes share a room through Redis, and a tab whose node dies recovers what it missed', { skip }, async () => {
  const ann = await open('Ann');
  const annNode = await ann.textContent('[data-testid="node"]');
  let bob = await open('Bob');
  for (let i = 0; i < 5 && await bob.textContent('[data-testid="node"]') === annNode; i++) {
    await bob.close();
    bob = await open('Bob'); // leastconn sends a new tab to an emptier node
  }
  assert.notEqual(await bob.textContent('[data-testid="node"]'), annNode, 'the tabs are on different nodes');

  await say(ann, 'hello from Ann');
  await waitText(bob, 'messages', /Ann\s*hello from Ann/);
  await say(bob, 'hello from Bob');
  await waitText(ann, 'messages', /Bob\s*hello from Bob/);
  await screenshot(ann, '7-cluster-two-nodes');

  const victim = nodes.find((n) => annNode === `${n.name}-${n.port}`);
  assert.ok(victim, `Ann is on one of our nodes: ${annNode}`);
  await victim.kill();
  await say(bob, 'while Ann was away');
  await waitText(ann, 'reconnects', /^[1-9]/);
  await waitText(ann, 'state', /^connected$/);
  assert.notEqual(await ann.textContent('[data-testid="node"]'), annNode, 'Ann reconnected to another node');
  await waitText(ann, 'room-status', /recovered: true/);
  await waitText(ann, 'messages', /Bob\s*while Ann was away/);
  await screenshot(ann, '8-cluster-recovered');
});
