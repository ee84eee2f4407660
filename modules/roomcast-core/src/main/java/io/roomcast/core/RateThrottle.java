package io.roomcast.core;

import io.github.bucket4j.Bucket;
import java.time.Duration;

/**
 * One connection's rate of one kind of request (publishes, subscribes), on Bucket4j token buckets:
 * one for the requests allowed, one for the refusals tolerated before the connection counts as
 * abusive. Touched only on the session's thread.
 */
final class RateThrottle {
  /** What a request gets. */
  enum Verdict { ALLOWED, REFUSED, ABUSIVE }

  private final Bucket allowed;
  private final Bucket tolerated;

  /** Publishes: {@code limits}' rate, burst and tolerance. */
  RateThrottle(PublishRateLimits limits, Scheduler clock) {
    this(limits.perSecond(), limits.burst(), limits.maxRefused(), limits.refusedWindow(), clock);
  }

  /**
   * @param maxRefused refusals tolerated within {@code refusedWindow}; the next one is {@link Verdict#ABUSIVE}
   * @param clock the node's clock, so refills follow the time a test chooses
   */
  RateThrottle(int perSecond, int burst, int maxRefused, Duration refusedWindow, Scheduler clock) {
    io.github.bucket4j.TimeMeter time = new io.github.bucket4j.TimeMeter() {
      @Override public long currentTimeNanos() {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(clock.nowMillis());
      }

      @Override public boolean isWallClockBased() {
        return true;
      }
    };
    allowed = Bucket.builder().withCustomTimePrecision(time)
        .addLimit(l -> l.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .build();
    tolerated = Bucket.builder().withCustomTimePrecision(time)
        .addLimit(l -> l.capacity(maxRefused).refillGreedy(maxRefused, refusedWindow))
        .build();
  }

  Verdict tryAcquire() {
    if (allowed.tryConsume(1)) return Verdict.ALLOWED;
    return tolerated.tryConsume(1) ? Verdict.REFUSED : Verdict.ABUSIVE;
  }
}
