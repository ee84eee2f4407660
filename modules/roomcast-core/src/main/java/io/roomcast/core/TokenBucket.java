package io.roomcast.core;

import java.time.Duration;

/**
 * A token bucket refilled greedily: {@code refill} tokens per {@code period}, each as soon as its
 * share of the period has passed (Bucket4j's {@code refillGreedy}, with the fraction of a token
 * carried over, so no time is lost to rounding), never above {@code capacity}; it starts full. Four
 * longs of state, since every connection that subscribes or publishes has two per kind. Not thread-safe:
 * touched only on the session's thread.
 */
final class TokenBucket {
  private final long capacity;
  private final long refill;
  private final long periodNanos;
  /** The longest gap worth computing with: past it the bucket is full whatever it held (keeps products in range). */
  private final long fillNanos;
  /** Tokens in the bucket. */
  private long available;
  /** When tokens were last added, in nanoseconds of the clock. */
  private long lastNanos;
  /** What the last refill's division left over, in token-nanoseconds (less than one token's share). */
  private long remainder;

  TokenBucket(long capacity, long refill, Duration period, long nowNanos) {
    if (capacity <= 0 || refill <= 0 || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("token bucket of capacity " + capacity + ", " + refill + " per " + period);
    }
    this.capacity = capacity;
    this.refill = refill;
    this.periodNanos = period.toNanos();
    long periods = capacity / refill + 1;
    this.fillNanos = periods > Long.MAX_VALUE / periodNanos ? Long.MAX_VALUE : periodNanos * periods;
    this.available = capacity;
    this.lastNanos = nowNanos;
  }

  /** Takes one token if there is one now. */
  boolean tryTake(long nowNanos) {
    addSince(nowNanos);
    if (available == 0) return false;
    available--;
    return true;
  }

  private void addSince(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed <= 0) return;
    lastNanos = nowNanos;
    if (available == capacity) return;
    long share;
    try {
      share = elapsed >= fillNanos ? Long.MAX_VALUE : Math.addExact(Math.multiplyExact(elapsed, refill), remainder);
    } catch (ArithmeticException tooLong) {
      share = Long.MAX_VALUE;
    }
    long added = share / periodNanos;
    if (added >= capacity - available) {
      available = capacity;
      remainder = 0;
    } else {
      available += added;
      remainder = share % periodNanos;
    }
  }
}
