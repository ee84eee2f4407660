import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../dist/node.js';

test('delays grow exponentially from the minimum up to the cap', () => {
  const b = new Backoff({ minDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next()), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(b.attempt, 6);
  b.reset();
  assert.equal(b.next(), 100);
});

test('jitter draws each delay from [d * (1 - jitter), d]', () => {
  const low = new Backoff({ minDelayMs: 1000, jitter: 0.5 }, () => 0.999999);
  const high = new Backoff({ minDelayMs: 1000, jitter: 0.5 }, () => 0);
  assert.equal(low.next(), 500);
  assert.equal(high.next(), 1000);
  const real = new Backoff({ minDelayMs: 1000, maxDelayMs: 1000, jitter: 0.5 });
  for (let i = 0; i < 100; i++) {
    const d = real.next();
    assert.ok(d >= 500 && d <= 1000, `delay ${d} out of range`);
  }
});

test('bad settings are refused with a message naming them', () => {
  assert.throws(() => new Backoff({ minDelayMs: -1 }), /minDelayMs must not be negative/);
  assert.throws(() => new Backoff({ minDelayMs: 10, maxDelayMs: 5 }), /maxDelayMs must be at least minDelayMs/);
  assert.throws(() => new Backoff({ factor: 0.5 }), /factor must be at least 1/);
  assert.throws(() => new Backoff({ jitter: 2 }), /jitter must be within 0..1/);
});
