package io.roomcast.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rooms with local members, sharded by I/O thread, and the broker subscription of each. The node
 * subscribes to a room at the broker when its first local member joins and unsubscribes
 * {@code linger} after the last one left; an unsubscribe waits for a subscribe still in flight, and
 * a member who joins meanwhile keeps the room. After the broker resubscribed a room (a reconnect,
 * a failover), every local member re-reads the room and repairs what it missed.
 */
final class Hub implements BrokerListener, Recovery.Floors {
  private final Broker broker;
  private final Scheduler scheduler;
  private final Duration linger;
  private final NodeMetrics metrics;
  private final Map<Executor, Shard> shards = new ConcurrentHashMap<>();
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  /** Orders broker subscriptions against history reads (see {@link Recovery.Floor}); only grows. */
  private final AtomicLong ticks = new AtomicLong();

  /** The node's session rooms, which are not hub rooms; null when it has none. */
  private final SessionRooms sessionRooms;

  /** The node's write delay in milliseconds: how long a shard gathers publications before a drain. */
  private final long writeDelayMillis;

  /**
   * @param sessionRooms where publications of session rooms ({@code $<session>}) go, besides any hub
   *     room of that name; null on a node without them
   */
  Hub(Broker broker, Scheduler scheduler, Duration linger, Duration writeDelay, NodeMetrics metrics, SessionRooms sessionRooms) {
    this.broker = broker;
    this.sessionRooms = sessionRooms;
    this.writeDelayMillis = writeDelay.toMillis();
    this.scheduler = scheduler;
    this.linger = linger;
    this.metrics = metrics;
    // the hub's rooms and the sessions' own rooms, which the broker subscribes to as well
    io.micrometer.core.instrument.Gauge.builder(MetricNames.BROKER_SUBSCRIPTIONS, this, Hub::brokerSubscriptions)
        .register(metrics.registry);
    // Summed per I/O thread at scrape time: a handful of volatile reads, never a walk over sessions.
    io.micrometer.core.instrument.Gauge.builder(MetricNames.OUTBOUND_QUEUED_BYTES, shards, Hub::queuedBytes)
        .baseUnit("bytes").register(metrics.registry);
  }

  private double brokerSubscriptions() {
    return rooms.size() + (sessionRooms == null ? 0 : sessionRooms.size());
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
    /** Every local subscription of the room, for repairs after a resubscription. Any thread. */
    final Set<Subscription> members = ConcurrentHashMap.newKeySet();
    /** The tick when the broker subscription last took effect; {@code Long.MAX_VALUE} while it has not. */
    volatile long effectiveSince = Long.MAX_VALUE;
    /** The last publication with an offset the broker handed this node; null before the first. */
    volatile StreamPosition lastReceived;
    /** To drop a publication the broker delivered twice. */
    final RecentPublications recent = new RecentPublications();

    Room(String name) {
      this.name = name;
    }
  }

  /** The next tick: anything stamped with it happened after everything stamped before. */
  long tick() {
    return ticks.incrementAndGet();
  }

  /**
   * What a history read of {@code room} must satisfy to serve a subscription of it registered now:
   * issued after the broker subscription took effect, and reaching the last publication this node
   * received (later ones reach the subscription live).
   */
  @Override
  public Recovery.Floor floor(String room) {
    Room r = rooms.get(room);
    if (r == null) return Recovery.Floor.OWN_READ;
    return new Recovery.Floor(r.effectiveSince, r.lastReceived);
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
        room.members.add(s);
        if (room.lingering != null) {
          room.lingering.cancel();
          room.lingering = null;
        }
        if (room.subscribed == null || room.subscribed.isCompletedExceptionally()) {
          room.subscribed = room.unsubscribed.handle((v, e) -> null)
              .thenCompose(v -> broker.subscribe(room.name))
              .thenRun(() -> room.effectiveSince = tick()).toCompletableFuture();
        }
        return room.subscribed;
      }
    }
  }

  /** Removes a subscription; called on its session's thread. */
  void leave(Subscription s) {
    Shard shard = s.shard;
    boolean lastOfShard = shard.remove(s);
    Room room = rooms.get(s.room);
    if (room == null) return;
    room.members.remove(s);
    if (!lastOfShard) return;
    synchronized (room) {
      room.shards = without(room.shards, shard);
      if (room.shards.length == 0 && room.lingering == null) {
        room.lingering = scheduler.schedule(() -> expire(room), linger.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * The linger is over: unsubscribe, unless a member came back. A subscribe still in flight is waited
   * for first (the room stays lingering, so a joiner meanwhile keeps it), so the broker never sees an
   * unsubscribe overtake the subscribe it undoes.
   */
  private void expire(Room room) {
    CompletableFuture<Void> inFlight;
    synchronized (room) {
      if (room.shards.length > 0 || room.lingering == null) return;
      inFlight = room.subscribed;
      if (inFlight != null && !inFlight.isDone()) {
        room.lingering = STILL_LINGERING; // a join clears it, and the expiry below then finds nothing to do
      } else {
        room.lingering = null;
        if (room.subscribed != null) {
          room.subscribed = null;
          room.effectiveSince = Long.MAX_VALUE;
          room.unsubscribed = broker.unsubscribe(room.name).toCompletableFuture();
        }
        room.unsubscribed.whenComplete((v, e) -> forgetIfIdle(room));
        return;
      }
    }
    inFlight.whenComplete((v, e) -> expire(room));
  }

  /** Marks a room whose expiry waits for its subscribe in flight; cancelling it is a no-op. */
  private static final Scheduler.Scheduled STILL_LINGERING = () -> { };

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

  /**
   * The broker subscription of {@code room} was remade after a break: every local member re-reads the
   * room's position and repairs what it missed, on its own thread.
   */
  @Override
  public void onResubscribed(String name) {
    Room room = rooms.get(name);
    if (room == null) return;
    room.effectiveSince = tick(); // reads made before the break cannot tell what it lost
    metrics.resubscribed.increment();
    for (Subscription s : room.members) s.resubscribed();
  }

  @Override
  public void onPublication(Publication p) {
    if (sessionRooms != null && RoomRights.isSessionRoom(p.room())) sessionRooms.deliver(p);
    Room room = rooms.get(p.room());
    if (room == null) return;
    if (room.recent.repeats(p)) {
      metrics.repeatsDropped.increment();
      return;
    }
    // Written before the members are read: a subscription registered meanwhile either gets this
    // publication live or finds it in lastReceived (see floor()).
    if (p.hasOffset()) room.lastReceived = p.position();
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
