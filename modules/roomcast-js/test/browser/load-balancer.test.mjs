// The demo page behind a real load balancer (haproxy with deploy/haproxy/haproxy.cfg, no
// stickiness) in front of three nodes: it loads and connects through the balancer with the relative /ws, and when the node it is
// on is killed, it reconnects through the balancer to another node and resubscribes. (Each node
// has its own in-memory broker here, so tabs on different nodes do not share rooms yet, and the
// other node's epoch differs: recovered: false. With the Redis broker they share both.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode } from '../support/node.mjs';
import { launchBrowser, screenshot } from '../support/browser.mjs';
import { TestHaproxy } from '../support/haproxy.mjs';

const skip = TestHaproxy.available() ? false : 'no haproxy (apt-get install -y haproxy) or no deploy/haproxy/haproxy.cfg';
let nodes = [];
let lb;
let browser;

before(async () => {
  if (skip) return;
  nodes = [await TestNode.start({ name: 'lb-a' }), await TestNode.start({ name: 'lb-b' }), await TestNode.start({ name: 'lb-c' })];
  lb = await TestHaproxy.start(nodes);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await lb?.stop();
  for (const n of nodes) await n.kill();
});

async function waitText(page, id, re, timeout = 15_000) {
  await page.waitForFunction(([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''),
    [`[data-testid="${id}"]`, re.source], { timeout, polling: 50 }).catch(async () => {
    throw new Error(`${id} never matched ${re}; it shows ${JSON.stringify(await page.textContent(`[data-testid="${id}"]`))}`);
  });
}

test('through haproxy: the page connects with /ws, and fails over to another node when its node is killed', { skip }, async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${lb.httpUrl}/?name=Gus&rooms=lb-room`);
  await waitText(page, 'state', /^connected$/);
  await waitText(page, 'room-status', /^subscribed/);
  const first = await page.textContent('[data-testid="node"]');
  const victim = nodes.find((n) => first === `${n.name}-${n.port}`);
  assert.ok(victim, `the page is on one of our nodes: ${first}`);

  await page.fill('[data-testid="message-input"]', 'via the balancer');
  await page.click('[data-testid="send"]');
  await waitText(page, 'messages', /Gus\s*via the balancer/);
  await screenshot(page, '5-load-balancer-before');

  await victim.kill();
  await waitText(page, 'reconnects', /^1$/, 20_000);
  await waitText(page, 'state', /^connected$/);
  const second = await page.textContent('[data-testid="node"]');
  assert.notEqual(second, first, 'reconnected to another node');
  await waitText(page, 'room-status', /recovered: false/); // another node, another in-memory epoch

  await page.fill('[data-testid="message-input"]', 'after failover');
  await page.click('[data-testid="send"]');
  await waitText(page, 'messages', /Gus\s*after failover/);
  await waitText(page, 'tick-seq', /^\d+$/);
  await screenshot(page, '6-load-balancer-after-failover');
  assert.deepEqual(problems, []);
});
