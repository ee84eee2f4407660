package io.roomcast.core;

import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Reads what subscriptions missed from the broker's history, and counts how that went.
 *
 * <p>A read that fails for a passing reason (the broker unavailable, a timeout, the circuit breaker
 * open) is tried again with backoff on the node's scheduler before anyone is told the history is
 * lost: for a subscribe (whose client waits for the reply, and may ask again) for under a second;
 * for a subscription's own repair (a gap, a resync after the broker came back, a new epoch) for
 * {@link #REPAIR_PATIENCE_MS}, as its stream is held meanwhile and a reset given up too early would
 * tell the client of a loss that history could still repair (a restarted Redis refuses calls while
 * the breaker stays open, seconds after its pub/sub delivers again). Reads of
 * the same room from the same position share one broker round trip while it is in flight, and its
 * messages are one {@link OutboundFrame} each, encoded (and compressed) once for every subscription
 * that replays them: a reconnect storm reads a room once per node, not once per client. A read in
 * flight serves a subscription only if it cannot miss anything the subscription will not get live
 * (see {@link Floor}); otherwise the subscription reads on its own.
 */
final class Recovery {
  /** The wait before the second attempt; doubled before each next one, up to {@link #MAX_BACKOFF_MS}. */
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 2_000;
  /** How long the waits of a subscribe's read add up to at most: 100 + 200 + 400 ms, four attempts. */
  static final long SUBSCRIBE_PATIENCE_MS = 700;
  /** How long the waits of a subscription's repair add up to at most. */
  static final long REPAIR_PATIENCE_MS = 30_000;

  /** Where the floors of reads come from (the hub). */
  interface Floors {
    Floor floor(String room);
  }

  /**
   * What a read already in flight must satisfy to serve a subscription registered now: it was issued
   * after {@code issuedAfter} (a hub tick: the broker subscription took effect then), and the latest
   * position it read reaches {@code cover} (the last publication the node received before the
   * subscription was registered; null when none), as every later one reaches the subscription live.
   */
  record Floor(long issuedAfter, StreamPosition cover) {
    /** No read in flight will do: read on one's own. */
    static final Floor OWN_READ = new Floor(Long.MAX_VALUE, null);

    boolean allows(long issuedAt) {
      return issuedAt > issuedAfter;
    }

    boolean coveredBy(StreamPosition latest) {
      return cover == null || (cover.epoch().equals(latest.epoch()) && latest.offset() >= cover.offset());
    }
  }

  /** A read of history, with its messages as frames shared by every subscription that replays them. */
  record Replay(History history, List<OutboundFrame> frames) {
    static Replay of(History h) {
      List<OutboundFrame> frames = new ArrayList<>(h.publications().size());
      for (Publication p : h.publications()) frames.add(OutboundFrame.message(p));
      return new Replay(h, List.copyOf(frames));
    }
  }

  /** Reads share a round trip only with reads as patient as they are. */
  private record Key(String room, StreamPosition since, long patienceMs) {}

  /** A broker read in flight: when it was issued (a hub tick) and what it will give. */
  private record InFlight(long issuedAt, CompletableFuture<Replay> result) {}

  private final Broker broker;
  private final int limit;
  private final Floors floors;
  /** The hub's ticks, which stamp each read when issued. */
  private final LongSupplier ticks;
  private final Scheduler scheduler;
  /** Reads in flight by room and position; an entry leaves when its read completes. */
  private final Map<Key, InFlight> inFlight = new ConcurrentHashMap<>();
  private final Counter recovered;
  private final Counter lost;
  private final Counter gapsRepaired;
  private final Counter gapsLost;
  private final Counter resets;
  private final Counter brokerReads;
  private final Counter sharedReads;
  private final Counter retries;

  Recovery(Broker broker, int limit, NodeMetrics metrics, Floors floors, LongSupplier ticks, Scheduler scheduler) {
    this.broker = broker;
    this.limit = limit;
    this.floors = floors;
    this.ticks = ticks;
    this.scheduler = scheduler;
    var registry = metrics.registry;
    this.recovered = registry.counter(MetricNames.RECOVERIES, "outcome", "recovered");
    this.lost = registry.counter(MetricNames.RECOVERIES, "outcome", "lost");
    this.gapsRepaired = registry.counter(MetricNames.GAPS, "outcome", "repaired");
    this.gapsLost = registry.counter(MetricNames.GAPS, "outcome", "lost");
    this.resets = registry.counter(MetricNames.STREAM_RESETS);
    this.brokerReads = registry.counter(MetricNames.HISTORY_READS, "source", "broker");
    this.sharedReads = registry.counter(MetricNames.HISTORY_READS, "source", "shared");
    this.retries = registry.counter(MetricNames.HISTORY_RETRIES);
  }

  /**
   * History after {@code since}, at most the configured number of messages, for a subscription of
   * {@code room} registered (and subscribed at the broker) before this call.
   */
  CompletionStage<Replay> after(String room, StreamPosition since) {
    return read(room, since, SUBSCRIBE_PATIENCE_MS);
  }

  /** As {@link #after}, for a subscription's own repair: failures that pass are waited out for longer. */
  CompletionStage<Replay> repair(String room, StreamPosition since) {
    return read(room, since, REPAIR_PATIENCE_MS);
  }

  private CompletionStage<Replay> read(String room, StreamPosition since, long patienceMs) {
    Floor floor = floors.floor(room);
    Key key = new Key(room, since, patienceMs);
    InFlight running = inFlight.get(key);
    if (running == null || !floor.allows(running.issuedAt())) return issue(key);
    return running.result().thenCompose(replay -> {
      if (!floor.coveredBy(replay.history().latest())) return issue(key); // it may miss what came before us
      sharedReads.increment();
      return CompletableFuture.completedFuture(replay);
    });
  }

  /** The room's latest position, tried again while failures pass. */
  CompletionStage<StreamPosition> position(String room) {
    CompletableFuture<StreamPosition> result = new CompletableFuture<>();
    attempt(() -> broker.position(room), result, 1, 0, SUBSCRIBE_PATIENCE_MS);
    return result;
  }

  private CompletionStage<Replay> issue(Key key) {
    CompletableFuture<Replay> result = new CompletableFuture<>();
    InFlight mine = new InFlight(ticks.getAsLong(), result); // stamped before it is issued
    inFlight.put(key, mine);
    result.whenComplete((r, e) -> inFlight.remove(key, mine));
    brokerReads.increment();
    CompletableFuture<History> history = new CompletableFuture<>();
    history.whenComplete((h, e) -> {
      if (e != null) {
        result.completeExceptionally(e);
      } else {
        result.complete(Replay.of(h));
      }
    });
    attempt(() -> broker.history(key.room(), key.since(), limit), history, 1, 0, key.patienceMs());
    return result;
  }

  /**
   * Runs {@code call} (attempt {@code n}, after waits of {@code waitedMs} in all); a passing failure is
   * tried again after a backoff while the waits stay within {@code patienceMs}.
   */
  private <T> void attempt(java.util.function.Supplier<CompletionStage<T>> call, CompletableFuture<T> result, int n,
      long waitedMs, long patienceMs) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((v, e) -> {
      if (e == null) {
        result.complete(v);
        return;
      }
      long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(n - 1, 20));
      if (passing(e) && waitedMs + backoff <= patienceMs) {
        retries.increment();
        scheduler.schedule(() -> attempt(call, result, n + 1, waitedMs + backoff, patienceMs), backoff, TimeUnit.MILLISECONDS);
      } else {
        result.completeExceptionally(Failures.cause(e));
      }
    });
  }

  /** Whether a failure may pass: the broker unreachable or slow, not a bug. */
  static boolean passing(Throwable failure) {
    Throwable cause = Failures.cause(failure);
    return cause instanceof BrokerUnavailableException || cause instanceof TimeoutException;
  }

  void countResume(boolean complete) {
    (complete ? recovered : lost).increment();
  }

  void countGap(boolean repaired) {
    (repaired ? gapsRepaired : gapsLost).increment();
  }

  /** A subscription told its client the stream restarts (recovered: false), outside a subscribe's reply. */
  void countReset() {
    resets.increment();
  }
}
