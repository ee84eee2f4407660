package io.roomcast.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's members of every room, and what keeps them alive in the {@link Presence} store: a join
 * when a session's subscription settles, a leave when it ends, and one refresh of all of them per
 * interval (one batch for the node, not a call per session). Any thread may call it.
 */
final class PresenceTracker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);
  static final String MEMBERS = "roomcast.presence.members";
  static final String UPDATES = "roomcast.presence.updates";
  static final String REFRESH = "roomcast.presence.refresh";
  static final String REFRESH_FAILURES = "roomcast.presence.refresh.failures";

  private final Presence presence;
  private final PresenceConfig config;
  private final Scheduler scheduler;
  /** This node's members by room, then by session; a room is absent rather than empty. */
  private final Map<String, Map<String, PresenceMember>> local = new ConcurrentHashMap<>();
  /** Members of this node, all rooms (the gauge). */
  private final AtomicInteger members = new AtomicInteger();
  private final Counter joins;
  private final Counter leaves;
  private final Timer refreshTime;
  private final Counter refreshFailures;
  /** The next refresh; replaced by each. */
  private volatile Scheduler.Scheduled next;
  /** Set once by {@link #close()}. */
  private volatile boolean closed;

  PresenceTracker(Presence presence, PresenceConfig config, Scheduler scheduler, MeterRegistry registry) {
    this.presence = presence;
    this.config = config;
    this.scheduler = scheduler;
    Gauge.builder(MEMBERS, members, AtomicInteger::get).description("presence members (sessions in rooms) on this node").register(registry);
    this.joins = Counter.builder(UPDATES).tag("kind", "join").register(registry);
    this.leaves = Counter.builder(UPDATES).tag("kind", "leave").register(registry);
    this.refreshTime = Timer.builder(REFRESH).description("one refresh of every member of this node, all rooms in one batch")
        .register(registry);
    this.refreshFailures = Counter.builder(REFRESH_FAILURES).register(registry);
    boolean off = config.defaultAccess() == PresenceAccess.OFF && config.byPrefix().values().stream().allMatch(a -> a == PresenceAccess.OFF);
    if (!off) scheduleRefresh();
  }

  PresenceConfig config() {
    return config;
  }

  Presence presence() {
    return presence;
  }

  /** The subscription of session {@code s} (principal {@code p}) settled: it is a member of its room, unless presence is off there. */
  void joined(Subscription sub, Session s, Principal p) {
    String room = sub.room;
    if (config.access(room) == PresenceAccess.OFF) return;
    PresenceMember m = new PresenceMember(p.presenceUser(), s.id(), p.info());
    boolean[] added = {false};
    local.compute(room, (k, v) -> {
      Map<String, PresenceMember> in = v != null ? v : new ConcurrentHashMap<>();
      added[0] = in.put(m.session(), m) == null;
      return in;
    });
    if (added[0]) members.incrementAndGet();
    sub.onLeave = () -> left(room, m);
    joins.increment();
    presence.join(room, m).whenComplete((ok, failure) -> {
      // the next refresh finds the store short of this member and adds it
      if (failure != null) log.debug("presence join of {} in {} failed: {}", m.session(), room, Failures.cause(failure).toString());
    });
  }

  private void left(String room, PresenceMember m) {
    boolean[] removed = {false};
    local.computeIfPresent(room, (k, v) -> {
      removed[0] = v.remove(m.session(), m);
      return v.isEmpty() ? null : v;
    });
    if (!removed[0]) return;
    members.decrementAndGet();
    leaves.increment();
    presence.leave(room, m).whenComplete((ok, failure) -> {
      // the next refresh of the room, if this node still has members there, removes it
      if (failure != null) log.debug("presence leave of {} in {} failed: {}", m.session(), room, Failures.cause(failure).toString());
    });
  }

  /** Members of this node now. */
  int memberCount() {
    return members.get();
  }

  /** Refreshes every member of this node now, in one batch. */
  void refresh() {
    Map<String, List<PresenceMember>> snapshot = new HashMap<>();
    for (var e : local.entrySet()) snapshot.put(e.getKey(), new ArrayList<>(e.getValue().values()));
    if (snapshot.isEmpty()) return;
    long start = System.nanoTime();
    presence.refresh(snapshot).whenComplete((ok, failure) -> {
      refreshTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (failure != null) {
        refreshFailures.increment();
        log.warn("presence refresh of {} rooms failed: {}", snapshot.size(), Failures.cause(failure).toString());
      }
    });
  }

  private void scheduleRefresh() {
    if (closed) return;
    next = scheduler.schedule(() -> {
      try {
        refresh();
      } catch (RuntimeException e) {
        log.warn("presence refresh failed", e);
      } finally {
        scheduleRefresh();
      }
    }, config.refreshInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    Scheduler.Scheduled n = next;
    if (n != null) n.cancel();
    presence.close();
  }
}
