package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.ClosedBy;
import io.roomcast.client.RoomcastClient;
import io.roomcast.redis.RedisPublisher;
import io.roomcast.testkit.NodeProcess;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart as ops do it, under load: each of the three nodes in turn gets SIGTERM (it drains:
 * readiness off, clients sent away with 1001 over the drain window), exits, is started again and
 * becomes ready, then the next. Clients connect through haproxy (deploy/haproxy/haproxy.cfg) with the
 * Java client's reconnect, which resumes each room from the last message it saw. Messages are
 * published all along by a backend (through Redis, so no publish depends on a restarting node).
 * Nobody may be gone for longer than a reconnect, and no message may be lost or duplicated.
 */
class RollingRestartIT {
  private static final int CLIENTS = 60;
  private static final int ROOMS = 10;
  /** One publish every this many milliseconds, rooms in turn: 100 messages a second in all. */
  private static final long PUBLISH_EVERY_MS = 10;

  @Test
  void aRollingRestartOfAllNodesUnderLoadLosesNoClientAndNoMessage() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    List<Member> members = new ArrayList<>();
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    try (ThreeNodes cluster = ThreeNodes.start("node")) {
      List<NodeProcess> nodes = cluster.nodes;
      try (LoadBalancer lb = LoadBalancer.haproxy(nodes); RedisPublisher backend = RedisPublisher.connect(cluster.redis.uri())) {
        for (int i = 0; i < CLIENTS; i++) members.add(new Member(lb, "rr-" + (i % ROOMS), http));
        for (Member m : members) m.joined.join();

        List<List<String>> published = new ArrayList<>();
        for (int r = 0; r < ROOMS; r++) published.add(new CopyOnWriteArrayList<>());
        AtomicLong sequence = new AtomicLong();
        AtomicInteger publishFailures = new AtomicInteger();
        load.scheduleAtFixedRate(() -> {
          long n = sequence.getAndIncrement();
          int r = (int) (n % ROOMS);
          String text = "m" + n;
          try {
            backend.publish("rr-" + r, text).get(5, TimeUnit.SECONDS);
            published.get(r).add(text);
          } catch (Exception e) {
            publishFailures.incrementAndGet();
          }
        }, 0, PUBLISH_EVERY_MS, TimeUnit.MILLISECONDS);

        long start = System.nanoTime();
        for (NodeProcess node : nodes) {
          long before = sequence.get();
          node.stop();   // SIGTERM, drain over 2 s, exit
          node.start();  // same port; returns once /readyz answers 200
          await().atMost(Duration.ofSeconds(30)).until(() -> sequence.get() > before + 50); // load went on
        }
        long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        load.shutdown();
        assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        // Everything published reaches every member of its room (or the deadline shows what is missing).
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
            members.stream().allMatch(m -> m.received.containsAll(published.get(m.roomIndex()))));

        int totalPublished = published.stream().mapToInt(List::size).sum();
        long expected = 0;
        long delivered = 0;
        long lost = 0;
        long duplicated = 0;
        for (Member m : members) {
          List<String> want = published.get(m.roomIndex());
          Set<String> distinct = new HashSet<>(m.received);
          expected += want.size();
          delivered += m.received.size();
          lost += want.stream().filter(t -> !distinct.contains(t)).count();
          duplicated += m.received.size() - distinct.size();
        }
        long maxReconnectMs = members.stream().mapToLong(m -> m.maxReconnectMs.get()).max().orElse(0);
        int reconnected = (int) members.stream().filter(m -> m.reconnects.get() > 0).count();
        System.out.printf("rolling restart of 3 nodes in %d ms under %d msg/s: clients=%d (reconnected %d), "
                + "published=%d (failed %d), expected deliveries=%d, delivered=%d, lost=%d, duplicated=%d, "
                + "max reconnect=%d ms%n", restartMs, 1000 / PUBLISH_EVERY_MS, CLIENTS, reconnected, totalPublished,
            publishFailures.get(), expected, delivered, lost, duplicated, maxReconnectMs);

        assertThat(publishFailures.get()).as("publishes through Redis never depend on a node").isZero();
        assertThat(reconnected).as("every client's node restarted once, so every client reconnected").isEqualTo(CLIENTS);
        assertThat(lost).as("messages lost").isZero();
        assertThat(duplicated).as("messages duplicated").isZero();
        for (Member m : members) {
          assertThat(m.received).as("what a member of %s received, in order", m.room).isEqualTo(published.get(m.roomIndex()));
        }
        assertThat(maxReconnectMs).as("longest time a client was without a connection").isLessThan(5_000);
        for (Member m : members) assertThat(m.client.strayMessages()).isZero();
        for (Member m : members) m.client.close();
      } finally {
        load.shutdownNow();
      }
    }
  }

  /** One client in one room, counting what it receives and how long each reconnect took. */
  private static final class Member implements ClientEvents {
    final String room;
    final RoomcastClient client;
    final java.util.concurrent.CompletableFuture<?> joined;
    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger reconnects = new AtomicInteger();
    final AtomicLong maxReconnectMs = new AtomicLong();
    /** When the connection went, in nanos; 0 while connected. */
    private final AtomicLong downSince = new AtomicLong();

    Member(LoadBalancer lb, String room, HttpClient http) {
      this.room = room;
      this.client = RoomcastClient.connect(lb.ws(),
          ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)), this, http);
      this.joined = client.subscribe(room, m -> received.add(m.textPayload()));
    }

    int roomIndex() {
      return Integer.parseInt(room.substring(3));
    }

    @Override
    public void onDisconnected(ClosedBy how, boolean willReconnect) {
      downSince.compareAndSet(0, System.nanoTime());
    }

    @Override
    public void onConnected(boolean reconnect) {
      long since = downSince.getAndSet(0);
      if (reconnect) {
        reconnects.incrementAndGet();
        if (since != 0) maxReconnectMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since), Math::max);
      }
    }
  }
}
