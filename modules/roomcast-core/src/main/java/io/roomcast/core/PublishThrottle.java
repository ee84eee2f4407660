package io.roomcast.core;

import io.github.bucket4j.Bucket;

/**
 * One connection's publish rate, on Bucket4j token buckets: one for the publishes allowed, one for
 * the refusals tolerated before the connection counts as abusive. Touched only on the session's thread.
 */
final class PublishThrottle {
  /** What a publish attempt gets. */
  enum Verdict { ALLOWED, REFUSED, ABUSIVE }

  private final Bucket allowed;
  private final Bucket tolerated;

  /** @param clock the node's clock, so refills follow the time a test chooses */
  PublishThrottle(PublishRateLimits limits, Scheduler clock) {
    io.github.bucket4j.TimeMeter time = new io.github.bucket4j.TimeMeter() {
      @Override public long currentTimeNanos() {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(clock.nowMillis());
      }

      @Override public boolean isWallClockBased() {
        return true;
      }
    };
    allowed = Bucket.builder().withCustomTimePrecision(time)
        .addLimit(l -> l.capacity(limits.burst()).refillGreedy(limits.perSecond(), java.time.Duration.ofSeconds(1)))
        .build();
    tolerated = Bucket.builder().withCustomTimePrecision(time)
        .addLimit(l -> l.capacity(limits.maxRefused()).refillGreedy(limits.maxRefused(), limits.refusedWindow()))
        .build();
  }

  Verdict tryPublish() {
    if (allowed.tryConsume(1)) return Verdict.ALLOWED;
    return tolerated.tryConsume(1) ? Verdict.REFUSED : Verdict.ABUSIVE;
  }
}
