package io.roomcast.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Presence in this process: one node's view of a {@link Store} that several views (nodes of a test)
 * may share. The rules are those of the Redis store (presence.lua), entry for entry: members alive
 * while their node refreshes, identities that wait out the grace, a sweep before every call. Events go
 * to every sink of the store, on the caller's thread, while the room's lock is held (one order per room).
 */
public final class MemoryPresence implements Presence {
  private final Store store;
  private final String node;

  /** One node's view of {@code store}. */
  public MemoryPresence(Store store, String node) {
    this.store = Objects.requireNonNull(store, "store");
    this.node = Objects.requireNonNull(node, "node");
  }

  /** A single node's presence, its events delivered through {@code broker} to the rooms it is subscribed to. */
  public static MemoryPresence forBroker(MemoryBroker broker, PresenceConfig config, LongSupplier clock, String node) {
    Store store = new Store(config, clock);
    store.addSink(broker::deliverPresence);
    return new MemoryPresence(store, node);
  }

  /** The rooms' presence of every view; thread-safe. */
  public static final class Store {
    private final long graceMs;
    private final long ttlMs;
    private final LongSupplier clock;
    private final List<Consumer<PresenceEvent>> sinks = new CopyOnWriteArrayList<>();
    /** Rooms with anything in them; a room's entry is also its lock. */
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();

    /** @param clock milliseconds since the Unix epoch */
    public Store(PresenceConfig config, LongSupplier clock) {
      this.graceMs = config.grace().toMillis();
      this.ttlMs = config.ttl().toMillis();
      this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Where the store's joins and leaves go (a node's broker). */
    public void addSink(Consumer<PresenceEvent> sink) {
      sinks.add(sink);
    }

    Room room(String name) {
      return rooms.computeIfAbsent(name, Room::new);
    }
  }

  /** One room's entries, as presence.lua keeps them. Guarded by its own monitor. */
  private static final class Room {
    final String name;
    /** Members by session, with the node that owns each. */
    final Map<String, PresenceMember> members = new HashMap<>();
    final Map<String, String> nodeOf = new HashMap<>();
    /** Sessions per user; anonymous sessions are not counted. */
    final Map<String, Integer> users = new HashMap<>();
    /** Until when each node's members are alive. */
    final Map<String, Long> nodes = new HashMap<>();
    /** Identities waiting out the grace: deadline, and the member their leave shows. */
    final Map<String, Long> gone = new HashMap<>();
    final Map<String, PresenceMember> last = new HashMap<>();
    /** Dropped from the store when nothing was left: a caller must make a new one. */
    boolean removed;

    Room(String name) {
      this.name = name;
    }
  }

  private <T> CompletionStage<T> inRoom(String room, java.util.function.BiFunction<Room, Long, T> work) {
    while (true) {
      Room r = store.room(room);
      synchronized (r) {
        if (r.removed) continue;
        long now = store.clock.getAsLong();
        sweep(r, now);
        T result = work.apply(r, now);
        if (r.members.isEmpty() && r.gone.isEmpty() && r.nodes.isEmpty()) {
          r.removed = true; // a later caller makes a new one
          store.rooms.remove(r.name, r);
        }
        return CompletableFuture.completedFuture(result);
      }
    }
  }

  @Override
  public CompletionStage<Void> join(String room, PresenceMember member) {
    return inRoom(room, (r, now) -> {
      r.nodes.put(node, now + store.ttlMs);
      add(r, member);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> leave(String room, PresenceMember member) {
    return inRoom(room, (r, now) -> {
      remove(r, member.session(), now + store.graceMs);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> refresh(Map<String, ? extends Collection<PresenceMember>> local) {
    for (var e : local.entrySet()) {
      inRoom(e.getKey(), (r, now) -> {
        r.nodes.put(node, now + store.ttlMs);
        Set<String> wanted = new HashSet<>();
        for (PresenceMember m : e.getValue()) wanted.add(m.session());
        for (String s : sessionsOf(r, node)) {
          if (!wanted.contains(s)) remove(r, s, now + store.graceMs);
        }
        for (PresenceMember m : e.getValue()) add(r, m);
        return null;
      });
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<List<PresenceMember>> members(String room, int max) {
    long[] total = new long[1];
    CompletionStage<List<PresenceMember>> listed = inRoom(room, (r, now) -> {
      total[0] = r.members.size();
      return r.members.size() > max ? null : List.copyOf(r.members.values());
    });
    return listed.thenApply(l -> {
      if (l == null) throw new TooManyMembersException(total[0]);
      return l;
    });
  }

  @Override
  public CompletionStage<PresenceCounts> counts(String room) {
    return inRoom(room, (r, now) -> new PresenceCounts(r.members.size(), r.users.size()));
  }

  private void add(Room r, PresenceMember m) {
    if (r.members.putIfAbsent(m.session(), m) != null) return;
    r.nodeOf.put(m.session(), node);
    boolean first = m.anonymous() || r.users.merge(m.user(), 1, Integer::sum) == 1;
    String id = m.identity();
    if (r.gone.remove(id) != null) {
      r.last.remove(id); // back within the grace: neither leave nor join
    } else if (first) {
      publish(new PresenceEvent(r.name, true, m));
    }
  }

  private void remove(Room r, String session, long deadline) {
    PresenceMember m = r.members.remove(session);
    if (m == null) return;
    r.nodeOf.remove(session);
    if (!m.anonymous()) {
      int left = r.users.merge(m.user(), -1, Integer::sum);
      if (left > 0) return;
      r.users.remove(m.user());
    }
    r.gone.put(m.identity(), deadline);
    r.last.put(m.identity(), m);
  }

  private static List<String> sessionsOf(Room r, String node) {
    List<String> out = new ArrayList<>();
    for (var e : r.nodeOf.entrySet()) if (e.getValue().equals(node)) out.add(e.getKey());
    return out;
  }

  private void sweep(Room r, long now) {
    for (var it = r.nodes.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue() > now) continue;
      it.remove();
      for (String s : sessionsOf(r, e.getKey())) remove(r, s, e.getValue() + store.graceMs);
    }
    Map<Long, List<String>> due = new TreeMap<>();
    for (var e : r.gone.entrySet()) if (e.getValue() <= now) due.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
    for (List<String> ids : due.values()) {
      for (String id : ids) {
        r.gone.remove(id);
        PresenceMember m = r.last.remove(id);
        if (m != null) publish(new PresenceEvent(r.name, false, m));
      }
    }
  }

  private void publish(PresenceEvent e) {
    for (Consumer<PresenceEvent> sink : store.sinks) sink.accept(e);
  }

  @Override
  public void close() {}
}
