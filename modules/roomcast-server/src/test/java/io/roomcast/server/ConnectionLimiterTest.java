package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-address connection limits: IPv6 grouped by prefix, entries forgotten a few per handshake, acquire and forget atomic per key. */
class ConnectionLimiterTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  /** The limiter's clock, moved by the test. */
  private final AtomicLong now = new AtomicLong();

  private ConnectionLimiter limiter(int maxPerAddress, int perSecond, int burst, int ipv6PrefixBits) {
    return new ConnectionLimiter(new ConnectionLimits(100_000, maxPerAddress, perSecond, burst, Duration.ofSeconds(10), ipv6PrefixBits),
        now::get);
  }

  @Test
  void ipv6AddressesInOneSlash64ShareOneBudgetAndOtherNetworksHaveTheirOwn() {
    ConnectionLimiter limiter = limiter(2, 1_000, 1_000, 64);
    assertThat(limiter.tryAcquire("2001:db8:0:7:0:0:0:1").slot()).isNotNull();
    assertThat(limiter.tryAcquire("2001:db8:0:7:ffff:1:2:3").slot()).isNotNull();
    assertThat(limiter.tryAcquire("2001:db8:0:7:aaaa:bbbb:cccc:dddd").refused())
        .as("a third address from the same /64").isEqualTo(Rejection.ADDRESS_CONNECTIONS);
    assertThat(limiter.tryAcquire("2001:db8:0:8:0:0:0:1").slot()).as("the next /64").isNotNull();
    assertThat(limiter.tryAcquire("203.0.113.7").slot()).isNotNull();
    assertThat(limiter.tryAcquire("203.0.113.8").slot()).as("IPv4 addresses count one by one").isNotNull();
    assertThat(limiter.key("2001:db8:0:7:ffff:1:2:3")).isEqualTo("2001:db8:0:7:0:0:0:0/64");
    assertThat(limiter.key("::ffff:203.0.113.7")).as("an IPv4-mapped address counts as IPv4").isEqualTo("203.0.113.7");
  }

  @Test
  void thePrefixLengthIsAParameter() {
    ConnectionLimiter slash48 = limiter(1, 1_000, 1_000, 48);
    assertThat(slash48.tryAcquire("2001:db8:1:1::1").slot()).isNotNull();
    assertThat(slash48.tryAcquire("2001:db8:1:2::1").refused()).isEqualTo(Rejection.ADDRESS_CONNECTIONS);
    ConnectionLimiter slash128 = limiter(1, 1_000, 1_000, 128);
    assertThat(slash128.tryAcquire("2001:db8:1:1::1").slot()).isNotNull();
    assertThat(slash128.tryAcquire("2001:db8:1:1::2").slot()).isNotNull();
  }

  @Test
  void rotatingAddressesInsideAPrefixDoesNotEscapeTheRate() {
    ConnectionLimiter limiter = limiter(1_000, 5, 5, 64);
    for (int i = 1; i <= 5; i++) assertThat(limiter.tryAcquire("2001:db8::" + Integer.toHexString(i)).slot()).isNotNull();
    assertThat(limiter.tryAcquire("2001:db8::99").refused()).isEqualTo(Rejection.ADDRESS_RATE);
  }

  @Test
  void slotsGiveTheirPlaceBackOnceEach() {
    ConnectionLimiter limiter = limiter(1, 1_000, 1_000, 64);
    ConnectionLimiter.Slot slot = limiter.tryAcquire("198.51.100.1").slot();
    assertThat(limiter.tryAcquire("198.51.100.1").refused()).isEqualTo(Rejection.ADDRESS_CONNECTIONS);
    slot.release();
    slot.release();
    assertThat(limiter.total()).isZero();
    assertThat(limiter.open("198.51.100.1")).isZero();
    assertThat(limiter.tryAcquire("198.51.100.1").slot()).isNotNull();
  }

  @Test
  void idleAddressesAreForgottenAFewPerHandshakeOnceTheirBucketIsFullAgain() {
    ConnectionLimiter limiter = limiter(10, 10, 20, 64); // a bucket refills from empty in 2 s
    for (int i = 0; i < 1_000; i++) limiter.tryAcquire("10.0." + (i / 250) + "." + (i % 250)).slot().release();
    ConnectionLimiter.Slot held = limiter.tryAcquire("192.0.2.1").slot();
    assertThat(limiter.tracked()).isEqualTo(1_001);

    now.addAndGet(SECOND.toNanos()); // not rested yet: nothing is forgotten
    limiter.tryAcquire("192.0.2.2").slot().release();
    assertThat(limiter.tracked()).isEqualTo(1_002);

    now.addAndGet(2 * SECOND.toNanos());
    int before = limiter.tracked();
    limiter.tryAcquire("192.0.2.3").slot().release();
    assertThat(limiter.tracked()).as("one handshake forgets two idle addresses, not every one").isEqualTo(before - 2 + 1);
    for (int i = 0; i < 1_000; i++) {
      ConnectionLimiter.Slot s = limiter.tryAcquire("192.0.2.3").slot(); // refused ones forget idle entries too
      if (s != null) s.release();
    }
    assertThat(limiter.tracked()).as("the held address, one idle for 2 s only (not due yet) and the one in use stay").isEqualTo(3);
    assertThat(limiter.open("192.0.2.1")).isEqualTo(1);
    held.release();
  }

  @Test
  void anAddressIsForgottenOnlyWithAFullBucketSoForgettingForgivesNothing() {
    ConnectionLimiter limiter = limiter(100, 1, 2, 64); // refills from empty in 2 s
    limiter.tryAcquire("198.51.100.9").slot().release();
    limiter.tryAcquire("198.51.100.9").slot().release();
    assertThat(limiter.tryAcquire("198.51.100.9").refused()).isEqualTo(Rejection.ADDRESS_RATE);
    now.set(Duration.ofMillis(2_000).toNanos());
    limiter.tryAcquire("198.51.100.9").slot().release(); // full again, and one taken: 1 token left
    now.set(Duration.ofMillis(2_200).toNanos()); // the marks of time 0 are due; the bucket holds 1.2 tokens
    for (int i = 0; i < 10; i++) limiter.tryAcquire("192.0.2." + i).slot().release();
    assertThat(limiter.tryAcquire("198.51.100.9").slot()).isNotNull();
    assertThat(limiter.tryAcquire("198.51.100.9").refused()).as("not forgotten: a fresh bucket would have let a second one in")
        .isEqualTo(Rejection.ADDRESS_RATE);
  }

  /**
   * Threads take and give back slots of one address while every handshake also forgets idle
   * entries (the clock jumps past the rest time at each step). If a handshake could find an entry,
   * then have it removed before counting itself in it (a lookup and a removal that are not atomic
   * per key), its connection would count in a forgotten entry while a new one starts from zero:
   * more connections than the limit would be held at once. Acquire and forget both run inside
   * compute on the key, so that never happens.
   */
  @Test
  void forgettingIdleEntriesNeverRacesWithHandshakesOfTheSameAddress() throws Exception {
    ConnectionLimiter limiter = limiter(3, 1_000_000, 1_000_000, 64);
    AtomicInteger held = new AtomicInteger();
    AtomicInteger mostHeld = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 20_000; i++) {
            now.addAndGet(Duration.ofSeconds(3).toNanos()); // every idle mark is due at once
            // Other addresses fall idle too, so the queue always holds entries to forget.
            limiter.tryAcquire("10.1." + id + "." + (i % 200)).slot().release();
            ConnectionLimiter.Admission a = limiter.tryAcquire("2001:db8::" + Integer.toHexString(i % 50 + 1));
            if (a.slot() == null) continue;
            admitted.incrementAndGet();
            int h = held.incrementAndGet();
            mostHeld.accumulateAndGet(h, Math::max);
            held.decrementAndGet();
            a.slot().release();
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(admitted.get()).as("the address got in many times").isGreaterThan(1_000);
    assertThat(mostHeld.get()).as("connections held at once from one /64").isLessThanOrEqualTo(3);
    assertThat(limiter.total()).isZero();
    assertThat(limiter.open("2001:db8::1")).isZero();
  }
}
