package io.roomcast.it;

import static org.awaitility.Awaitility.await;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.it.ChaosChecker.Held;
import io.roomcast.protocol.v1.Position;
import io.roomcast.testkit.NodeProcess;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

/**
 * The chaos harness one scenario drives: subscribers (Java clients through haproxy, a few per room,
 * each with its {@link ChaosLog}), publishers through every door ({@link ChaosTraffic}), steps that
 * wait for counts of acknowledgements or answers (never for a time), node SIGKILLs, and at the end the
 * {@link ChaosChecker}'s verdict with the figures.
 */
final class ChaosRun implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration SETTLE = Duration.ofSeconds(30);

  final String name;
  final ChaosCluster cluster;
  final List<String> rooms = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<RoomcastClient> clients = new ArrayList<>();
  final List<ChaosLog> logs = new ArrayList<>();
  private final AtomicInteger reconnects = new AtomicInteger();
  ChaosTraffic traffic;
  /** Node kills and Redis faults staged, for the report. */
  private final List<String> faults = new ArrayList<>();
  /** A step that did not come about in time: reported with the checker's verdict. */
  private final List<String> stalls = new ArrayList<>();
  private final long startedNanos = System.nanoTime();
  /** The restart of the node killed last; done when none is starting. */
  private CompletableFuture<Void> restarting = CompletableFuture.completedFuture(null);

  ChaosRun(String name, ChaosCluster cluster) {
    this.name = name;
    this.cluster = cluster;
  }

  /** {@code perRoom} Java clients in each of {@code roomCount} fresh rooms, all confirmed before anyone publishes. */
  ChaosRun subscribe(int roomCount, int perRoom) {
    for (int k = 0; k < roomCount; k++) rooms.add("chaos-" + name + "-r" + k);
    for (String room : rooms) {
      for (int i = 0; i < perRoom; i++) {
        ChaosLog log = new ChaosLog("s" + i, room);
        RoomcastClient client = RoomcastClient.connect(cluster.lb.ws(),
            ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)), new ClientEvents() {
              @Override public void onConnected(boolean reconnect) {
                if (!reconnect) return;
                reconnects.incrementAndGet();
                log.reconnected(System.currentTimeMillis());
              }

              @Override public void onRoomReset(String r, long offset, String epoch) {
                log.reset(epoch, offset);
              }
            }, http);
        clients.add(client);
        Position p = client.subscribe(room, log).join();
        log.start(p.getEpoch(), p.getOffset());
        logs.add(log);
      }
    }
    return this;
  }

  /** Starts the publishers, {@code perSecond} new messages a second each. */
  ChaosRun publish(List<ChaosPublisher> publishers, int perSecond) {
    traffic = new ChaosTraffic(publishers, rooms, perSecond);
    traffic.start();
    return this;
  }

  /** Waits until {@code more} further publishes were acknowledged. */
  void awaitAcks(long more) {
    long target = traffic.acked.get() + more;
    until(more + " more acks (to " + target + ")", WAIT, () -> traffic.acked.get() >= target);
  }

  /** Waits until publishers got {@code more} further answers, acks or failures (acks may stall on purpose). */
  void awaitAnswers(long more) {
    long target = traffic.answers.get() + more;
    until(more + " more answers (to " + target + ")", WAIT, () -> traffic.answers.get() >= target);
  }

  /**
   * SIGKILLs the node with the most open connections (a node restarted after an earlier kill may have
   * none), waits until its clients are back on the others, and starts it again in the background (the
   * run goes on meanwhile); a node still starting from the last kill is waited for first, so that at
   * most one node is down.
   */
  void killBusiestNode() throws InterruptedException {
    restarting.join();
    NodeProcess victim = cluster.nodes.get(0);
    double most = -1;
    for (NodeProcess n : cluster.nodes) {
      double open = connectionsOpen(n);
      if (open > most) {
        most = open;
        victim = n;
      }
    }
    int before = reconnects.get();
    victim.kill();
    fault("SIGKILL " + victim.name + " (" + (long) most + " connections)");
    until("clients of " + victim.name + " reconnect", WAIT, () -> reconnects.get() > before);
    NodeProcess restart = victim;
    restarting = CompletableFuture.runAsync(restart::start);
  }

  private double connectionsOpen(NodeProcess n) {
    try {
      String scrape = http.send(java.net.http.HttpRequest.newBuilder(n.management("/metrics")).timeout(Duration.ofSeconds(5)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      return Scrapes.value(scrape, "roomcast_connections_open", "").orElse(0);
    } catch (java.io.IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  void fault(String what) {
    faults.add(what + " at " + traffic.acked.get() + " acks");
  }

  /** Waits for {@code condition}; a wait that times out is a stall, which fails the run. */
  void until(String what, Duration atMost, BooleanSupplier condition) {
    try {
      await().atMost(atMost).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(condition::getAsBoolean);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new Stall(what + " within " + atMost);
    }
  }

  /** A step of the scenario that did not come about. */
  static final class Stall extends RuntimeException {
    Stall(String what) {
      super("stalled waiting for " + what);
    }
  }

  /** The scenario's steps: once, then again while the run's duration lasts; a stall ends them. */
  void cycles(Duration duration, Step cycle) throws Exception {
    int n = 0;
    try {
      do {
        cycle.run(n++);
      } while (System.nanoTime() - startedNanos < duration.toNanos());
    } catch (Stall e) {
      stalls.add(e.getMessage());
    }
  }

  interface Step {
    void run(int cycle) throws Exception;
  }

  /**
   * Stops new publishes, lets those in flight end, reads what Redis holds of every room, waits until
   * every subscriber has what Redis holds (or gives up after a while), and judges.
   *
   * @param ownerOf the port of the Redis server that holds a room's keys now
   * @param durableAcks whether the run promised that no acknowledged message is lost (publish-replicas >= 1)
   */
  ChaosReport finish(ToIntFunction<String> ownerOf, boolean durableAcks) {
    traffic.stop();
    try {
      restarting.join();
    } catch (java.util.concurrent.CompletionException e) {
      stalls.add("a killed node did not start again: " + e.getCause());
    }
    try {
      until("every publish acknowledged or given up", Duration.ofSeconds(90), () -> traffic.inFlight() == 0);
    } catch (Stall e) {
      stalls.add(e.getMessage());
    }
    List<Held> held = new ArrayList<>();
    Map<String, Set<String>> heldIds = new HashMap<>();
    try { // one bound for all rooms: a Redis that stays down must not cost a wait per room
      until("the history of every room readable", SETTLE, () -> {
        held.clear();
        for (String room : rooms) held.addAll(RedisFaults.history(ownerOf.applyAsInt(room), room));
        return true;
      });
    } catch (Stall e) {
      stalls.add(e.getMessage());
    }
    for (String room : rooms) heldIds.put(room, new HashSet<>());
    for (Held x : held) heldIds.get(x.room()).add(x.id());
    try {
      until("every subscriber has every message Redis holds", SETTLE, () -> {
        for (ChaosLog log : logs) {
          for (String id : heldIds.get(log.room)) {
            if (!log.delivered(id)) return false;
          }
        }
        return true;
      });
    } catch (Stall e) {
      // the checker names who misses what
    }
    ChaosReport report = new ChaosChecker(durableAcks).check(traffic.published, List.copyOf(traffic.acks), logs, held);
    for (String s : stalls) report.violation("stall", s);
    System.out.printf("chaos %s: %d s, %d subscribers in %d rooms, faults %s%n  %s; publish retries %d, given up %d, reconnects %d%n",
        name, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos), logs.size(), rooms.size(), faults,
        report.figures(), traffic.retries.get(), traffic.abandoned.get(), reconnects.get());
    if (!report.clean()) System.out.println("chaos " + name + ": " + report);
    return report;
  }

  /** Subscribers of the rooms {@code inRoom} accepts. */
  long subscribersOf(java.util.function.Predicate<String> inRoom) {
    return logs.stream().filter(l -> inRoom.test(l.room)).count();
  }

  @Override
  public void close() {
    if (traffic != null) traffic.close();
    for (RoomcastClient c : clients) c.close();
    cluster.close();
  }
}
