package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MetricNames;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The HTTP publish rate per credential: a burst, then the rate, Retry-After in whole seconds, buckets forgotten once full. */
class ApiPublishRateTest {
  private final AtomicLong now = new AtomicLong();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double refused() {
    return registry.counter(MetricNames.HTTP_REJECTED, "code", "429").count();
  }

  @Test
  void aCredentialGetsItsBurstThenItsRateAndIsToldHowLongToWait() {
    ApiPublishRate rate = new ApiPublishRate(new ApiPublishRateLimits(2, 4), registry, now::get);
    for (int i = 0; i < 4; i++) assertThat(rate.tryAcquire("subject:alice")).isZero();
    assertThat(rate.tryAcquire("subject:alice")).as("one token back in 0.5 s: wait 1 s").isEqualTo(1);
    assertThat(rate.tryAcquire("subject:bob")).as("another credential has its own bucket").isZero();
    now.addAndGet(Duration.ofMillis(500).toNanos());
    assertThat(rate.tryAcquire("subject:alice")).isZero();
    assertThat(rate.tryAcquire("subject:alice")).isEqualTo(1);
    assertThat(refused()).isEqualTo(2);
  }

  @Test
  void retryAfterRoundsUpToWholeSeconds() {
    ApiPublishRate rate = new ApiPublishRate(new ApiPublishRateLimits(1, 1), registry, now::get);
    assertThat(rate.tryAcquire("api-key:0")).isZero();
    assertThat(rate.tryAcquire("api-key:0")).isEqualTo(1);
    ApiPublishRate slow = new ApiPublishRate(new ApiPublishRateLimits(1, 3), registry, now::get);
    for (int i = 0; i < 3; i++) slow.tryAcquire("api-key:0");
    now.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(slow.tryAcquire("api-key:0")).as("0.9 s to wait").isEqualTo(1);
  }

  @Test
  void bucketsAreForgottenOnlyWhenFullAgainAFewPerRequest() {
    ApiPublishRate rate = new ApiPublishRate(new ApiPublishRateLimits(10, 10), registry, now::get); // refills from empty in 1 s
    for (int i = 0; i < 100; i++) rate.tryAcquire("subject:user-" + i);
    assertThat(rate.tracked()).isEqualTo(100);
    now.addAndGet(Duration.ofMillis(500).toNanos());
    rate.tryAcquire("subject:other");
    assertThat(rate.tracked()).as("not due yet").isEqualTo(101);
    now.addAndGet(Duration.ofMillis(700).toNanos());
    rate.tryAcquire("subject:other");
    assertThat(rate.tracked()).as("two forgotten per request, not all").isEqualTo(99);
    for (int i = 0; i < 60; i++) rate.tryAcquire("subject:other");
    assertThat(rate.tracked()).as("all full ones gone; the one in use stays").isEqualTo(1);
  }

  @Test
  void aBucketIsForgottenOnlyWhenFullSoForgettingForgivesNothing() {
    ApiPublishRate rate = new ApiPublishRate(new ApiPublishRateLimits(1, 2), registry, now::get); // refills from empty in 2 s
    rate.tryAcquire("subject:busy");
    rate.tryAcquire("subject:busy");
    now.set(Duration.ofMillis(2_000).toNanos());
    assertThat(rate.tryAcquire("subject:busy")).as("full again, one taken: one left").isZero();
    now.set(Duration.ofMillis(2_200).toNanos()); // due to be looked at, holding 1.2 tokens
    for (int i = 0; i < 5; i++) rate.tryAcquire("subject:x" + i);
    assertThat(rate.tryAcquire("subject:busy")).isZero();
    assertThat(rate.tryAcquire("subject:busy")).as("kept: a fresh bucket would have let this one through").isEqualTo(1);
  }

  @Test
  void nonsenseRatesAreRefused() {
    assertThatThrownBy(() -> new ApiPublishRateLimits(0, 10)).hasMessageContaining("perSecond");
    assertThatThrownBy(() -> new ApiPublishRateLimits(10, 5)).hasMessageContaining("burst");
  }
}
