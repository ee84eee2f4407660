// Presence and direct messages in the demo page, on two nodes sharing Redis with authentication on
// (HS256 tokens, one user per tab): two tabs see each other in a room (presence when they join, then
// join and leave events, in the member list and the event log), and a direct message published to
// the personal room @alice through the HTTP API reaches every tab of alice, on both nodes, and no
// one else. Needs a server jar with presence and personal rooms (issue 16).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode } from '../support/node.mjs';
import { launchBrowser, screenshot } from '../support/browser.mjs';
import { TestRedis } from '../support/redis.mjs';
import { apiPublish, AUTH_ENV, token } from '../support/tokens.mjs';

const skip = TestRedis.available() ? false : 'no redis-server (apt-get install -y redis-server)';
let redis;
let nodes = [];
let browser;

before(async () => {
  if (skip) return;
  redis = await TestRedis.start();
  const env = { ...AUTH_ENV, ROOMCAST_REDIS: redis.uri, ROOMCAST_DEMO_TICKER: 'false', ROOMCAST_PRESENCE_GRACE: '1s' };
  nodes = [await TestNode.start({ name: 'pr-a', env }), await TestNode.start({ name: 'pr-b', env })];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const n of nodes) await n.kill();
  await redis?.stop();
});

async function waitText(page, id, re, timeout = 20_000) {
  await page.waitForFunction(([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''),
    [`[data-testid="${id}"]`, re.source], { timeout, polling: 50 }).catch(async () => {
    throw new Error(`${id} never matched ${re}; it shows ${JSON.stringify(await page.textContent(`[data-testid="${id}"]`).catch(() => '(none)'))}`);
  });
}

/** Whether the member list of the page's active room shows a session of `user`. */
async function waitMember(page, user, present = true, timeout = 20_000) {
  await page.waitForFunction(([u, want]) => !!document.querySelector(`[data-testid="members"] [data-user="${u}"]`) === want,
    [user, present], { timeout, polling: 50 }).catch(async () => {
    throw new Error(`the member list never ${present ? 'showed' : 'lost'} ${user}; it shows ${JSON.stringify(await page.textContent('[data-testid="members"]'))}`);
  });
}

/**
 * A tab of `user` on `node` (JSON wire, readable), in room lobby; `wire` collects the text of every
 * WebSocket message the page receives.
 */
async function open(node, user, name) {
  const page = await browser.context.newPage();
  page.wire = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => page.wire.push(String(f.payload))));
  const tok = token(user, { subscribe: ['lobby', 'ticker'], publish: ['lobby'], info: { name } });
  await page.goto(`${node.httpUrl}/?format=json&rooms=lobby&name=${name}&token=${tok}`);
  await waitText(page, 'state', /^connected$/);
  await waitText(page, 'room-status', /^subscribed/);
  return page;
}

test('two tabs on two nodes see each other in the room: presence at join, then join and leave events', { skip }, async () => {
  const ann = await open(nodes[0], 'ann', 'Ann');
  await waitMember(ann, 'ann');
  const bob = await open(nodes[1], 'bob', 'Bob');
  await waitMember(bob, 'ann'); // from presence(), asked when Bob's tab subscribed
  await waitMember(bob, 'bob');
  await waitMember(ann, 'bob'); // from the join event
  await waitText(ann, 'log', /Bob \([^)]+\) joined lobby/);
  await waitText(ann, 'count-lobby', /^2$/);
  await screenshot(ann, '9-presence-two-tabs');

  await bob.close(); // a real leave: reported once the grace has passed
  await waitMember(ann, 'bob', false);
  await waitText(ann, 'log', /Bob \([^)]+\) left lobby/);
  await ann.close();
});

test('a direct message to @alice reaches every tab of alice, on both nodes, and no one else', { skip }, async () => {
  const alice1 = await open(nodes[0], 'alice', 'Alice');
  const alice2 = await open(nodes[1], 'alice', 'Alice');
  const bob = await open(nodes[0], 'bob', 'Bob');
  for (const [page, room] of [[alice1, '@alice'], [alice2, '@alice'], [bob, '@bob']]) {
    await page.waitForSelector(`[data-testid="room-${room}"]`, { timeout: 20_000 }); // the node subscribed the page
  }

  await apiPublish(nodes[1], '@alice', JSON.stringify({ from: 'backend', text: 'for alice only' }));
  for (const page of [alice1, alice2]) {
    await page.click('[data-testid="room-@alice"]');
    await waitText(page, 'messages', /backend\s*for alice only/);
  }
  await screenshot(alice2, '10-direct-message');

  // A barrier on bob's connection: his own direct message, published after alice's, has arrived.
  await apiPublish(nodes[1], '@bob', JSON.stringify({ from: 'backend', text: 'for bob' }));
  await bob.click('[data-testid="room-@bob"]');
  await waitText(bob, 'messages', /backend\s*for bob/);
  assert.ok(!bob.wire.some((m) => m.includes('for alice only')), 'no frame of alice\'s message reached bob\'s tab');
  assert.ok(!bob.wire.some((m) => m.includes('"@alice"')), 'nothing of @alice reached bob\'s tab');
  for (const p of [alice1, alice2, bob]) await p.close();
});
