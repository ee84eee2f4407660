package io.roomcast.server;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts WebSocket connections, on the node and per client address, and the rate at which each
 * address opens them (Bucket4j). A handshake takes a {@link Slot} before the upgrade and the
 * connection gives it back when it closes (or at once when the upgrade does not happen).
 */
final class ConnectionLimiter {
  /** Past this many tracked addresses, addresses with no connection are dropped on the next acquire. */
  private static final int SWEEP_ABOVE = 10_000;

  private final ConnectionLimits limits;
  /** Connections on the node, including handshakes under way. */
  private final AtomicInteger total = new AtomicInteger();
  /** Per client address: its open connections and its connection rate. */
  private final ConcurrentHashMap<String, Address> addresses = new ConcurrentHashMap<>();

  ConnectionLimiter(ConnectionLimits limits) {
    this.limits = limits;
  }

  /** What a handshake gets: a slot, or the rejection that says why not (exactly one is null). */
  record Admission(Slot slot, Rejection refused) {}

  /** A slot for a new connection from {@code address}, or the rejection that says why not. */
  Admission tryAcquire(String address) {
    if (total.incrementAndGet() > limits.maxConnections()) {
      total.decrementAndGet();
      return new Admission(null, Rejection.NODE_FULL);
    }
    if (addresses.size() > SWEEP_ABOVE) addresses.values().removeIf(a -> a.open.get() == 0 && a.rested());
    Address a = addresses.computeIfAbsent(address, k -> new Address());
    if (a.open.incrementAndGet() > limits.maxPerAddress()) {
      a.open.decrementAndGet();
      total.decrementAndGet();
      return new Admission(null, Rejection.ADDRESS_CONNECTIONS);
    }
    if (!a.rate.tryConsume(1)) {
      a.open.decrementAndGet();
      total.decrementAndGet();
      return new Admission(null, Rejection.ADDRESS_RATE);
    }
    return new Admission(new Slot(a), null);
  }

  int total() {
    return total.get();
  }

  private final class Address {
    final AtomicInteger open = new AtomicInteger();
    final Bucket rate = Bucket.builder()
        .addLimit(l -> l.capacity(limits.perAddressBurst()).refillGreedy(limits.perAddressPerSecond(), Duration.ofSeconds(1)))
        .build();

    /** Whether its bucket is full again, so forgetting it forgives nothing. */
    boolean rested() {
      return rate.getAvailableTokens() >= limits.perAddressBurst();
    }
  }

  /** One connection's place; {@link #release()} may be called any number of times. */
  final class Slot {
    private final Address address;
    private final AtomicBoolean released = new AtomicBoolean();

    private Slot(Address address) {
      this.address = address;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        address.open.decrementAndGet();
        total.decrementAndGet();
      }
    }
  }
}
