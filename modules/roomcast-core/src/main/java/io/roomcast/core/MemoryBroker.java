package io.roomcast.core;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The single-node broker: offsets and delivery in this process, no Redis needed. Publications are
 * delivered on the publisher's thread while the room's lock is held, which gives each room one
 * delivery order, the offset order. Its epoch is new with every instance, as a restarted node loses
 * its rooms.
 */
public final class MemoryBroker implements Broker {
  private final String epoch = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
  private final LongSupplier clock;
  /** Offsets per room; a room's entry is also its lock. */
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  /** Set once by {@link #start}. */
  private volatile BrokerListener listener;

  public MemoryBroker() {
    this(System::currentTimeMillis);
  }

  public MemoryBroker(LongSupplier clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private static final class Room {
    /** The last offset given out; guarded by this room's monitor. */
    long offset;
  }

  @Override
  public void start(BrokerListener listener) {
    if (this.listener != null) throw new IllegalStateException("already started");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public CompletionStage<Void> subscribe(String room) {
    subscribed.add(room);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String room) {
    subscribed.remove(room);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Publication> publish(String room, Payload payload) {
    Room r = rooms.computeIfAbsent(room, k -> new Room());
    Publication p;
    synchronized (r) {
      p = new Publication(room, payload, ++r.offset, epoch, clock.getAsLong());
      BrokerListener l = listener;
      if (l != null && subscribed.contains(room)) l.onPublication(p);
    }
    return CompletableFuture.completedFuture(p);
  }

  @Override
  public CompletionStage<StreamPosition> position(String room) {
    Room r = rooms.get(room);
    long offset = 0;
    if (r != null) {
      synchronized (r) {
        offset = r.offset;
      }
    }
    return CompletableFuture.completedFuture(new StreamPosition(offset, epoch));
  }

  @Override
  public void close() {
    subscribed.clear();
  }
}
