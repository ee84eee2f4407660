package io.roomcast.server;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Counts WebSocket connections, on the node and per client address, and the rate at which each
 * address opens them (Bucket4j). A handshake takes a {@link Slot} before the upgrade and the
 * connection gives it back when it closes (or at once when the upgrade does not happen).
 *
 * <p>IPv6 addresses count per network of {@code limits.ipv6PrefixLength()} bits (a /64 by default: one
 * subscriber's line), so a client rotating addresses inside its prefix shares one budget. An address's entry is
 * taken, given back and forgotten inside {@link ConcurrentHashMap#compute} on its key, so a
 * handshake and the removal of an idle entry cannot interleave. Idle entries are forgotten from a
 * queue ordered by the time they fell idle, a few per handshake: the cost of a handshake does not
 * grow with the number of addresses.
 */
final class ConnectionLimiter {
  /** Idle entries looked at per handshake; more than one, so the queue shrinks faster than it grows. */
  private static final int FORGET_PER_ACQUIRE = 2;

  private final ConnectionLimits limits;
  private final int ipv6PrefixBits;
  private final LongSupplier nanoClock;
  private final TimeMeter meter;
  /** How long an idle entry is kept: until its bucket is full again, so forgetting it forgives nothing. */
  private final long restNanos;
  /** Connections on the node, including handshakes under way. */
  private final AtomicInteger total = new AtomicInteger();
  /** Per address key: its open connections and its connection rate. */
  private final ConcurrentHashMap<String, Address> addresses = new ConcurrentHashMap<>();
  /** Keys whose entry fell idle (no open connection), oldest first; each entry at most once. */
  private final ConcurrentLinkedQueue<Idle> idle = new ConcurrentLinkedQueue<>();

  ConnectionLimiter(ConnectionLimits limits) {
    this(limits, System::nanoTime);
  }

  ConnectionLimiter(ConnectionLimits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.ipv6PrefixBits = limits.ipv6PrefixLength();
    this.nanoClock = nanoClock;
    this.meter = BucketClock.of(nanoClock);
    long refillNanos = Duration.ofSeconds(1).toNanos() * limits.perAddressBurst() / limits.perAddressPerSecond();
    this.restNanos = refillNanos + Duration.ofMillis(100).toNanos();
  }

  /** What a handshake gets: a slot, or the rejection that says why not (exactly one is null). */
  record Admission(Slot slot, Rejection refused) {}

  /** A slot for a new connection from {@code address} (a literal IPv4 or IPv6 address), or the rejection that says why not. */
  Admission tryAcquire(String address) {
    forgetIdle();
    if (total.incrementAndGet() > limits.maxConnections()) {
      total.decrementAndGet();
      return new Admission(null, Rejection.NODE_FULL);
    }
    String key = key(address);
    Rejection[] refused = new Rejection[1];
    addresses.compute(key, (k, a) -> {
      if (a == null) a = new Address();
      if (a.open >= limits.maxPerAddress()) {
        refused[0] = Rejection.ADDRESS_CONNECTIONS;
      } else if (!a.rate.tryConsume(1)) {
        refused[0] = Rejection.ADDRESS_RATE;
      } else {
        a.open++;
      }
      if (a.open == 0) a.markIdle(k);
      return a;
    });
    if (refused[0] != null) {
      total.decrementAndGet();
      return new Admission(null, refused[0]);
    }
    return new Admission(new Slot(key), null);
  }

  /** Connections on the node. */
  int total() {
    return total.get();
  }

  /** Address keys remembered: those with connections and those whose rate is not rested yet. */
  int tracked() {
    return addresses.size();
  }

  /** Open connections counted for {@code address}'s key. */
  int open(String address) {
    Address a = addresses.get(key(address));
    return a == null ? 0 : a.open;
  }

  /**
   * The key {@code address} counts under: an IPv4 address itself, an IPv6 address's network of
   * {@code ipv6PrefixLength} bits ({@code 2001:db8:0:0:0:0:0:0/64}). IPv4-mapped IPv6 addresses count as IPv4.
   */
  String key(String address) {
    if (address.indexOf(':') < 0) return address;
    java.net.InetAddress parsed = TrustedProxies.Cidr.literal(address);
    if (parsed == null) return address;
    byte[] b = parsed.getAddress();
    if (b.length == 4) return parsed.getHostAddress();
    int bits = ipv6PrefixBits;
    for (int i = 0; i < 16; i++) {
      int keep = Math.max(0, Math.min(8, bits - i * 8));
      b[i] &= (byte) (0xFF00 >>> keep);
    }
    try {
      return java.net.InetAddress.getByAddress(b).getHostAddress() + "/" + bits;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // 16 bytes are always an address
    }
  }

  /** Forgets a few entries that have been idle long enough for their bucket to be full again. */
  private void forgetIdle() {
    long now = nanoClock.getAsLong();
    for (int i = 0; i < FORGET_PER_ACQUIRE; i++) {
      Idle head = idle.peek();
      if (head == null || now - head.since < restNanos) return;
      if (!idle.remove(head)) continue; // another handshake took it
      addresses.computeIfPresent(head.key, (k, a) -> {
        a.queued = false;
        if (a.open > 0) return a; // in use: queued again when it falls idle
        if (a.rested()) return null;
        a.markIdle(k); // drew from its bucket since: looked at again later
        return a;
      });
    }
  }

  private void release(String key) {
    addresses.computeIfPresent(key, (k, a) -> {
      if (--a.open == 0) a.markIdle(k);
      return a;
    });
    total.decrementAndGet();
  }

  /** A key that fell idle at {@code since} (the limiter's clock). */
  private record Idle(String key, long since) {}

  /** One address key's state; read and changed only inside {@code compute} on its key. */
  private final class Address {
    /** Its open connections, handshakes under way included. */
    int open;
    /** Whether its key is in the idle queue. */
    boolean queued;
    final Bucket rate = Bucket.builder()
        .addLimit(l -> l.capacity(limits.perAddressBurst()).refillGreedy(limits.perAddressPerSecond(), Duration.ofSeconds(1)))
        .withCustomTimePrecision(meter)
        .build();

    /** Puts its key in the idle queue, unless it is there already. */
    void markIdle(String key) {
      if (queued) return;
      queued = true;
      idle.add(new Idle(key, nanoClock.getAsLong()));
    }

    /** Whether its bucket is full again, so forgetting it forgives nothing. */
    boolean rested() {
      return rate.getAvailableTokens() >= limits.perAddressBurst();
    }
  }

  /** One connection's place; {@link #release()} may be called any number of times. */
  final class Slot {
    private final String key;
    private final AtomicBoolean released = new AtomicBoolean();

    private Slot(String key) {
      this.key = key;
    }

    void release() {
      if (released.compareAndSet(false, true)) ConnectionLimiter.this.release(key);
    }
  }
}
