package io.roomcast.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Rooms with local members, sharded by I/O thread, and the broker subscription of each. The node
 * subscribes to a room at the broker when its first local member joins and unsubscribes
 * {@code linger} after the last one left.
 */
final class Hub implements BrokerListener {
  private final Broker broker;
  private final Scheduler scheduler;
  private final Duration linger;
  private final NodeMetrics metrics;
  private final Map<Executor, Shard> shards = new ConcurrentHashMap<>();
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();

  /** The node's write delay in milliseconds: how long a shard gathers publications before a drain. */
  private final long writeDelayMillis;

  Hub(Broker broker, Scheduler scheduler, Duration linger, Duration writeDelay, NodeMetrics metrics) {
    this.broker = broker;
    this.writeDelayMillis = writeDelay.toMillis();
    this.scheduler = scheduler;
    this.linger = linger;
    this.metrics = metrics;
    io.micrometer.core.instrument.Gauge.builder(MetricNames.BROKER_SUBSCRIPTIONS, rooms, Map::size)
        .register(metrics.registry);
    // Summed per I/O thread at scrape time: a handful of volatile reads, never a walk over sessions.
    io.micrometer.core.instrument.Gauge.builder(MetricNames.OUTBOUND_QUEUED_BYTES, shards, Hub::queuedBytes)
        .baseUnit("bytes").register(metrics.registry);
  }

  private static double queuedBytes(Map<Executor, Shard> shards) {
    long sum = 0;
    for (Shard s : shards.values()) sum += s.queuedBytes().get();
    return sum;
  }

  /** A room with local members, or lingering after its last one left. All fields guarded by its monitor. */
  private static final class Room {
    final String name;
    /** The shards with members; replaced, never mutated, so delivery reads it without the lock. */
    volatile Shard[] shards = new Shard[0];
    /** The broker subscription, made or in the making; null while not subscribed. */
    CompletableFuture<Void> subscribed;
    /** The last unsubscribe sent; a new subscribe waits for it so the broker sees them in order. */
    CompletableFuture<Void> unsubscribed = CompletableFuture.completedFuture(null);
    /** The pending unsubscribe after the last member left. */
    Scheduler.Scheduled lingering;
    /** Dropped from {@link Hub#rooms}: a joiner must make a new one. */
    boolean removed;

    Room(String name) {
      this.name = name;
    }
  }

  Shard shardFor(Executor executor) {
    return shards.computeIfAbsent(executor, e -> new Shard(e, metrics, scheduler, writeDelayMillis));
  }

  /**
   * Adds a subscription; called on its session's thread. Completes once the broker delivers the
   * room's publications to this node.
   */
  CompletableFuture<Void> join(Subscription s) {
    Shard shard = s.shard;
    boolean first = shard.add(s);
    while (true) {
      Room room = rooms.computeIfAbsent(s.room, Room::new);
      synchronized (room) {
        if (room.removed) continue;
        if (first) room.shards = append(room.shards, shard);
        if (room.lingering != null) {
          room.lingering.cancel();
          room.lingering = null;
        }
        if (room.subscribed == null || room.subscribed.isCompletedExceptionally()) {
          room.subscribed = room.unsubscribed.handle((v, e) -> null)
              .thenCompose(v -> broker.subscribe(room.name)).toCompletableFuture();
        }
        return room.subscribed;
      }
    }
  }

  /** Removes a subscription; called on its session's thread. */
  void leave(Subscription s) {
    Shard shard = s.shard;
    if (!shard.remove(s)) return;
    Room room = rooms.get(s.room);
    if (room == null) return;
    synchronized (room) {
      room.shards = without(room.shards, shard);
      if (room.shards.length == 0 && room.lingering == null) {
        room.lingering = scheduler.schedule(() -> expire(room), linger.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void expire(Room room) {
    synchronized (room) {
      if (room.shards.length > 0 || room.lingering == null) return;
      room.lingering = null;
      if (room.subscribed != null) {
        room.subscribed = null;
        room.unsubscribed = broker.unsubscribe(room.name).toCompletableFuture();
      }
      room.unsubscribed.whenComplete((v, e) -> forgetIfIdle(room));
    }
  }

  private void forgetIfIdle(Room room) {
    synchronized (room) {
      if (room.shards.length == 0 && room.subscribed == null && room.lingering == null && !room.removed) {
        room.removed = true;
        rooms.remove(room.name, room);
      }
    }
  }

  /** Rooms the node is subscribed to (or lingering in) now. */
  int roomCount() {
    return rooms.size();
  }

  @Override
  public void onPublication(Publication p) {
    Room room = rooms.get(p.room());
    if (room == null) return;
    Shard[] targets = room.shards;
    if (targets.length == 0) return;
    metrics.received.increment();
    metrics.handedOff(p.timeMs()); // handed to the shards' threads now; each walks its sessions next
    OutboundFrame frame = OutboundFrame.message(p); // encoded once, on first use, for all shards
    for (Shard shard : targets) shard.offer(frame);
  }

  /** A join or leave: to every shard with members of the room, encoded once, sent to those that asked. */
  @Override
  public void onPresence(PresenceEvent e) {
    Room room = rooms.get(e.room());
    if (room == null) return;
    Shard[] targets = room.shards;
    if (targets.length == 0) return;
    OutboundFrame frame = OutboundFrame.presence(e.room(), PresenceFrames.event(e));
    for (Shard shard : targets) shard.offer(frame);
  }

  private static Shard[] append(Shard[] shards, Shard s) {
    Shard[] out = Arrays.copyOf(shards, shards.length + 1);
    out[shards.length] = s;
    return out;
  }

  private static Shard[] without(Shard[] shards, Shard s) {
    int i = Arrays.asList(shards).indexOf(s);
    if (i < 0) return shards;
    Shard[] out = new Shard[shards.length - 1];
    System.arraycopy(shards, 0, out, 0, i);
    System.arraycopy(shards, i + 1, out, i, shards.length - i - 1);
    return out;
  }
}
