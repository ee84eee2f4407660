package io.roomcast.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The single-node broker: offsets, history and delivery in this process, no Redis needed.
 * Publications are delivered on the publisher's thread while the room's lock is held, which gives
 * each room one delivery order, the offset order. Its epoch is new with every instance, as a
 * restarted node loses its rooms. History behaves as the Redis broker's: capped in length, and gone
 * when the room saw no publish for the TTL.
 */
public final class MemoryBroker implements Broker {
  /** How long a publish's idempotency key is remembered (the Redis broker's default window). */
  static final long IDEMPOTENCY_WINDOW_MS = Duration.ofMinutes(5).toMillis();

  private final String epoch = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
  private final RoomHistory history;
  private final LongSupplier clock;
  /** Offsets and history per room; a room's entry is also its lock. */
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  /** Set once by {@link #start}. */
  private volatile BrokerListener listener;

  public MemoryBroker() {
    this(RoomHistory.defaultHistory(), System::currentTimeMillis);
  }

  /**
   * @param historySize messages kept per room (0 keeps none)
   * @param historyTtl how long a room's history outlives its last publish
   * @param clock milliseconds since the Unix epoch
   */
  public MemoryBroker(int historySize, Duration historyTtl, LongSupplier clock) {
    this(RoomHistory.uniform(historySize, historyTtl), clock);
  }

  /** @param clock milliseconds since the Unix epoch */
  public MemoryBroker(RoomHistory history, LongSupplier clock) {
    this.history = Objects.requireNonNull(history, "history");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** One room's stream. Guarded by its own monitor. */
  private static final class Room {
    /** What this room keeps, by its name's prefix. */
    final RoomHistory.Policy policy;
    /** The last offset given out. */
    long offset;
    /** The newest {@code historySize} publications, oldest first. */
    final ArrayDeque<Publication> history = new ArrayDeque<>();
    /** Publications by idempotency key, oldest first, for {@link #IDEMPOTENCY_WINDOW_MS}. */
    final Map<String, Publication> published = new LinkedHashMap<>();
    /** When the last publish happened, for the history TTL. */
    long lastPublishMs;

    Room(RoomHistory.Policy policy) {
      this.policy = policy;
    }
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
  public CompletionStage<Publication> publish(String room, Payload payload, String idempotencyKey) {
    if (RoomRights.isSessionRoom(room)) { // one connection's room: no offset, no history
      Publication direct = new Publication(room, payload, Publication.NO_OFFSET, "", clock.getAsLong());
      BrokerListener l = listener;
      if (l != null && subscribed.contains(room)) l.onPublication(direct);
      return CompletableFuture.completedFuture(direct);
    }
    Room r = rooms.computeIfAbsent(room, k -> new Room(history.forRoom(k)));
    Publication p;
    synchronized (r) {
      long now = clock.getAsLong();
      expireHistory(r, now);
      r.published.values().removeIf(k -> k.timeMs() + IDEMPOTENCY_WINDOW_MS <= now);
      if (idempotencyKey != null) {
        Publication first = r.published.get(idempotencyKey);
        if (first != null) return CompletableFuture.completedFuture(first);
      }
      p = new Publication(room, payload, ++r.offset, epoch, now);
      if (idempotencyKey != null) r.published.put(idempotencyKey, p);
      r.lastPublishMs = now;
      if (r.policy.size() > 0) {
        if (r.history.size() == r.policy.size()) r.history.removeFirst();
        r.history.addLast(p);
      }
      BrokerListener l = listener;
      if (l != null && subscribed.contains(room)) l.onPublication(p);
    }
    return CompletableFuture.completedFuture(p);
  }

  /** A room never published is {@link StreamPosition#EMPTY}, and reading it stores nothing. */
  @Override
  public CompletionStage<StreamPosition> position(String room) {
    Room r = rooms.get(room);
    if (r == null) return CompletableFuture.completedFuture(StreamPosition.EMPTY);
    synchronized (r) {
      return CompletableFuture.completedFuture(new StreamPosition(r.offset, epoch));
    }
  }

  @Override
  public CompletionStage<History> history(String room, StreamPosition since, int limit) {
    Room r = rooms.get(room);
    if (r == null) return CompletableFuture.completedFuture(History.of(since, List.of(), StreamPosition.EMPTY));
    synchronized (r) {
      expireHistory(r, clock.getAsLong());
      List<Publication> after = new ArrayList<>();
      for (Publication p : r.history) {
        if (p.offset() > since.offset() && after.size() < limit) after.add(p);
      }
      return CompletableFuture.completedFuture(History.of(since, after, new StreamPosition(r.offset, epoch)));
    }
  }

  /** A join or leave of {@code event.room()}, heard by the listener if it is subscribed to the room (as a publication would be). */
  void deliverPresence(PresenceEvent event) {
    BrokerListener l = listener;
    if (l != null && subscribed.contains(event.room())) l.onPresence(event);
  }

  /** Whether this broker holds anything of {@code room} (for tests: reading an unknown room must not). */
  boolean holds(String room) {
    return rooms.containsKey(room);
  }

  private static void expireHistory(Room r, long now) {
    if (!r.history.isEmpty() && now - r.lastPublishMs >= r.policy.ttl().toMillis()) r.history.clear();
  }

  @Override
  public void close() {
    subscribed.clear();
  }
}
