package io.roomcast.it;

import io.roomcast.it.ChaosChecker.Ack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishers at a steady pace over the rooms, each with a few publishes in flight, each message
 * retried with its id (its idempotency key) while its failure is a passing one, for up to
 * {@link #GIVE_UP}. Records what was published and what was acknowledged, and counts answers (acks
 * and failed attempts), so that faults can be staged after a number of them rather than after a time.
 */
final class ChaosTraffic implements AutoCloseable {
  private static final Duration GIVE_UP = Duration.ofSeconds(60);
  private static final int IN_FLIGHT = 4;

  private final List<ChaosPublisher> publishers;
  private final List<String> rooms;
  private final long periodMicros;
  private final ScheduledExecutorService pacer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "chaos-traffic");
    t.setDaemon(true);
    return t;
  });
  /** Every id a publisher tried, with its room. */
  final Map<String, String> published = new ConcurrentHashMap<>();
  final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
  final AtomicLong acked = new AtomicLong();
  /** Acks and failed attempts: every answer a publisher got. */
  final AtomicLong answers = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  /** Messages given up on: a failure that retrying cannot fix, or retried for too long. */
  final AtomicLong abandoned = new AtomicLong();
  /** Publishes not yet acknowledged nor abandoned. */
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, AtomicInteger> inFlightByDoor = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  /** Set by {@link #stop()}: no new messages. */
  private volatile boolean stopped;

  /** @param perSecond new messages a second, per publisher */
  ChaosTraffic(List<ChaosPublisher> publishers, List<String> rooms, int perSecond) {
    this.publishers = publishers;
    this.rooms = rooms;
    this.periodMicros = 1_000_000L / perSecond;
  }

  void start() {
    for (ChaosPublisher p : publishers) {
      inFlightByDoor.put(p.via(), new AtomicInteger());
      pacer.scheduleAtFixedRate(() -> next(p), 0, periodMicros, TimeUnit.MICROSECONDS);
    }
  }

  private void next(ChaosPublisher p) {
    AtomicInteger mine = inFlightByDoor.get(p.via());
    if (stopped || mine.get() >= IN_FLIGHT) return;
    long n = sequence.incrementAndGet();
    String room = rooms.get((int) (n % rooms.size()));
    String id = p.via() + "-" + n;
    published.put(id, room);
    mine.incrementAndGet();
    inFlight.incrementAndGet();
    attempt(p, room, id, System.nanoTime(), 0);
  }

  private void attempt(ChaosPublisher p, String room, String id, long firstNanos, int attempt) {
    p.publish(room, id).orTimeout(15, TimeUnit.SECONDS).whenComplete((stored, failure) -> {
      answers.incrementAndGet();
      if (failure == null) {
        acks.add(new Ack(room, id, stored.offset(), stored.epoch(), p.via()));
        acked.incrementAndGet();
        done(p);
        return;
      }
      if (!p.passing(failure) || System.nanoTime() - firstNanos > GIVE_UP.toNanos()) {
        abandoned.incrementAndGet();
        done(p);
        return;
      }
      retries.incrementAndGet();
      long delayMs = Math.min(1000, 50L << Math.min(attempt, 5));
      try {
        pacer.schedule(() -> attempt(p, room, id, firstNanos, attempt + 1), delayMs, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        abandoned.incrementAndGet();
        done(p);
      }
    });
  }

  private void done(ChaosPublisher p) {
    inFlightByDoor.get(p.via()).decrementAndGet();
    inFlight.decrementAndGet();
  }

  /** No new messages from now on; those in flight go on being retried. */
  void stop() {
    stopped = true;
  }

  int inFlight() {
    return inFlight.get();
  }

  @Override
  public void close() {
    stopped = true;
    pacer.shutdownNow();
    for (ChaosPublisher p : publishers) p.close();
  }
}
