package io.roomcast.server;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.MetricNames;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;

/**
 * The rate of the HTTP publish API, per credential (an API key, a token's subject; the client's
 * address on an open node), on Bucket4j: {@code perSecond} publishes a second, {@code burst} at once
 * after a quiet spell. Above it a request waits for nothing: it is told how many seconds to wait
 * ({@code Retry-After}) and counted as {@code roomcast.http.rejected{code=429}}. Each node counts
 * alone: a credential publishing through several nodes gets each node's rate.
 *
 * <p>A credential's bucket is forgotten once it is full again, from a queue looked at a few entries
 * per request, so the cost of a request does not grow with the number of credentials.
 */
final class ApiPublishRate {
  /** Queued credentials looked at per request; more than one, so the queue shrinks faster than it grows. */
  private static final int FORGET_PER_REQUEST = 2;

  private final int perSecond;
  private final int burst;
  private final LongSupplier nanoClock;
  private final TimeMeter meter;
  /** How long after its last check a bucket is looked at again: the time it takes to fill up from empty. */
  private final long restNanos;
  private final Counter refused;
  /** Per credential key: its bucket. */
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  /** Every bucket's key once, with when it is due to be looked at, soonest first. */
  private final ConcurrentLinkedQueue<Due> due = new ConcurrentLinkedQueue<>();

  ApiPublishRate(ApiPublishRateLimits limits, MeterRegistry registry) {
    this(limits, registry, System::nanoTime);
  }

  ApiPublishRate(ApiPublishRateLimits limits, MeterRegistry registry, LongSupplier nanoClock) {
    this.perSecond = limits.perSecond();
    this.burst = limits.burst();
    this.nanoClock = nanoClock;
    this.meter = BucketClock.of(nanoClock);
    this.restNanos = Duration.ofSeconds(1).toNanos() * burst / perSecond + Duration.ofMillis(100).toNanos();
    this.refused = Counter.builder(MetricNames.HTTP_REJECTED).tag("code", "429").register(registry);
  }

  /** 0 when {@code credential} may publish now (one taken from its bucket); else the whole seconds to wait, at least 1. */
  long tryAcquire(String credential) {
    forgetRested();
    long[] waitNanos = {0};
    // Taken inside compute: a bucket cannot be forgotten between being found and being drawn from.
    buckets.compute(credential, (k, b) -> {
      if (b == null) {
        b = newBucket();
        due.add(new Due(k, nanoClock.getAsLong() + restNanos));
      }
      ConsumptionProbe probe = b.tryConsumeAndReturnRemaining(1);
      if (!probe.isConsumed()) waitNanos[0] = Math.max(1, probe.getNanosToWaitForRefill());
      return b;
    });
    if (waitNanos[0] == 0) return 0;
    refused.increment();
    return Math.max(1, (waitNanos[0] + 999_999_999L) / 1_000_000_000L);
  }

  /** Credentials remembered. */
  int tracked() {
    return buckets.size();
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(l -> l.capacity(burst).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .withCustomTimePrecision(meter)
        .build();
  }

  /** Forgets a few buckets that are full again (forgetting them forgives nothing); looks at the others again later. */
  private void forgetRested() {
    long now = nanoClock.getAsLong();
    for (int i = 0; i < FORGET_PER_REQUEST; i++) {
      Due head = due.peek();
      if (head == null || now - head.at < 0) return;
      if (!due.remove(head)) continue; // another request took it
      buckets.computeIfPresent(head.key, (k, b) -> {
        if (b.getAvailableTokens() >= burst) return null;
        due.add(new Due(k, now + restNanos));
        return b;
      });
    }
  }

  /** A credential key and when its bucket is due to be looked at (nanoClock). */
  private record Due(String key, long at) {}
}
