package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The per-connection rate buckets: full at first, refilled a token's share at a time, never above capacity. */
class TokenBucketTest {
  private static final long MS = 1_000_000;

  @Test
  void startsFullAndRefusesWhenEmpty() {
    TokenBucket b = new TokenBucket(3, 1, Duration.ofSeconds(1), 0);
    assertThat(b.tryTake(0)).isTrue();
    assertThat(b.tryTake(0)).isTrue();
    assertThat(b.tryTake(0)).isTrue();
    assertThat(b.tryTake(0)).isFalse();
  }

  @Test
  void refillsEachTokenAsSoonAsItsShareOfThePeriodHasPassed() {
    TokenBucket b = new TokenBucket(2, 4, Duration.ofSeconds(1), 0); // one token per 250 ms
    b.tryTake(0);
    b.tryTake(0);
    assertThat(b.tryTake(249 * MS)).isFalse();
    assertThat(b.tryTake(250 * MS)).isTrue();
    assertThat(b.tryTake(250 * MS)).isFalse();
  }

  @Test
  void carriesTheFractionOfATokenOverSoNoTimeIsLostToRounding() {
    TokenBucket b = new TokenBucket(5, 3, Duration.ofSeconds(1), 0); // one token per 333.3 ms
    for (int i = 0; i < 5; i++) b.tryTake(0);
    assertThat(b.tryTake(200 * MS)).isFalse(); // 0.6 of a token
    assertThat(b.tryTake(334 * MS)).isTrue(); // 1.002: the 0.6 was kept
    assertThat(b.tryTake(1000 * MS)).isTrue(); // 3.0 in all, one taken before
    assertThat(b.tryTake(1000 * MS)).isTrue();
    assertThat(b.tryTake(1000 * MS)).isFalse();
  }

  @Test
  void neverHoldsMoreThanItsCapacityHoweverLongItWaits() {
    TokenBucket b = new TokenBucket(2, 1000, Duration.ofMinutes(1), 0);
    b.tryTake(0);
    long later = Duration.ofDays(365).toNanos();
    assertThat(b.tryTake(later)).isTrue();
    assertThat(b.tryTake(later)).isTrue();
    assertThat(b.tryTake(later)).isFalse();
  }
}
