package io.roomcast.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One connection's rate of one kind of request (publishes, subscribes), on two token buckets: one
 * for the requests allowed, one for the refusals tolerated before the connection counts as abusive.
 * Plain {@link TokenBucket}s, not Bucket4j's (about 600 bytes a pair, on every connection that ever
 * subscribed). Touched only on the session's thread.
 */
final class RateThrottle {
  /** What a request gets. */
  enum Verdict { ALLOWED, REFUSED, ABUSIVE }

  private final Scheduler clock;
  private final TokenBucket allowed;
  private final TokenBucket tolerated;

  /** Publishes: {@code limits}' rate, burst and tolerance. */
  RateThrottle(PublishRateLimits limits, Scheduler clock) {
    this(limits.perSecond(), limits.burst(), limits.maxRefused(), limits.refusedWindow(), clock);
  }

  /**
   * @param maxRefused refusals tolerated within {@code refusedWindow}; the next one is {@link Verdict#ABUSIVE}
   * @param clock the node's clock, so refills follow the time a test chooses
   */
  RateThrottle(int perSecond, int burst, int maxRefused, Duration refusedWindow, Scheduler clock) {
    this.clock = clock;
    long now = now();
    allowed = new TokenBucket(burst, perSecond, Duration.ofSeconds(1), now);
    tolerated = new TokenBucket(maxRefused, maxRefused, refusedWindow, now);
  }

  Verdict tryAcquire() {
    long now = now();
    if (allowed.tryTake(now)) return Verdict.ALLOWED;
    return tolerated.tryTake(now) ? Verdict.REFUSED : Verdict.ABUSIVE;
  }

  private long now() {
    return TimeUnit.MILLISECONDS.toNanos(clock.nowMillis());
  }
}
