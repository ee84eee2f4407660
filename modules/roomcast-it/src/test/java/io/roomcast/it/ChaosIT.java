package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.redis.RedisPublisher;
import io.roomcast.testkit.Inbox;
import io.roomcast.testkit.NodeProcess;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost, proven by killing things: three node processes behind haproxy, 200 clients in 20
 * rooms, a backend publishing at a steady rate, and nodes SIGKILLed and restarted one after another.
 * Every client must end with every message of its room exactly once, in order. The run lasts
 * {@code -Droomcast.chaos.seconds} (short in CI; e.g. 600 on demand).
 */
class ChaosIT {
  private static final int ROOMS = 20;
  private static final int CLIENTS = 200;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<RoomcastClient> clients = new ArrayList<>();
  private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
  private ThreeNodes cluster;
  private LoadBalancer lb;

  @BeforeEach
  void startCluster() throws Exception {
    cluster = ThreeNodes.start("chaos");
    lb = LoadBalancer.haproxy(cluster.nodes);
  }

  @AfterEach
  void stopCluster() throws Exception {
    pacer.shutdownNow();
    for (RoomcastClient c : clients) c.close();
    if (lb != null) lb.close();
    if (cluster != null) cluster.close();
  }

  /** A member of one room, with what it got and what happened to its connection. */
  private final class Member {
    final String room;
    final Inbox inbox = new Inbox();
    final AtomicInteger reconnects = new AtomicInteger();
    final List<String> resets = new java.util.concurrent.CopyOnWriteArrayList<>();
    final RoomcastClient client;

    Member(String room) {
      this.room = room;
      client = RoomcastClient.connect(lb.ws(), ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(2)),
          new ClientEvents() {
            @Override public void onConnected(boolean reconnect) {
              if (reconnect) reconnects.incrementAndGet();
            }
            @Override public void onRoomReset(String r, long offset, String epoch) {
              resets.add(r + "@" + offset);
            }
          }, http);
      clients.add(client);
      client.subscribe(room, inbox).join();
    }
  }

  private List<Member> members() {
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) members.add(new Member("chaos-r" + (i % ROOMS)));
    return members;
  }

  @Test
  void killingNodesOverAndOverLosesAndRepeatsNothing() throws Exception {
    long seconds = Long.getLong("roomcast.chaos.seconds", 45);
    List<Member> members = members();
    Map<String, AtomicLong> lastOffset = new ConcurrentHashMap<>();
    AtomicLong published = new AtomicLong();
    AtomicLong publishFailures = new AtomicLong();
    AtomicInteger turn = new AtomicInteger();
    try (RedisPublisher backend = RedisPublisher.connect(cluster.redis.uri())) {
      // 100 messages a second, round robin over the rooms; each ack's offset is the room's latest.
      pacer.scheduleAtFixedRate(() -> {
        String room = "chaos-r" + Math.floorMod(turn.getAndIncrement(), ROOMS);
        backend.publish(room, "m").whenComplete((offset, e) -> {
          if (e != null) {
            publishFailures.incrementAndGet();
            return;
          }
          published.incrementAndGet();
          lastOffset.computeIfAbsent(room, r -> new AtomicLong()).accumulateAndGet(offset, Math::max);
        });
      }, 0, 10, TimeUnit.MILLISECONDS);

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int kills = 0;
      while (System.nanoTime() < end) {
        NodeProcess victim = cluster.nodes.get(kills % 3);
        int reconnectsBefore = totalReconnects(members);
        victim.kill();
        kills++;
        await().atMost(WAIT).until(() -> totalReconnects(members) > reconnectsBefore); // its clients are back
        victim.start();
        long delivered = delivered(members);
        await().atMost(WAIT).until(() -> delivered(members) > delivered + 100); // traffic flows again
      }
      pacer.shutdown();
      assertThat(pacer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(WAIT).until(() -> published.get() + publishFailures.get() >= turn.get());

      for (Member m : members) {
        long last = lastOffset.get(m.room).get();
        await().atMost(WAIT)
            .alias(m.room + " caught up to " + last + " (member has " + m.inbox.offsets().size() + ", last "
                + m.client.position(m.room) + ", reconnects " + m.reconnects.get() + ", resets " + m.resets + ")")
            .until(() -> m.inbox.offsets().size() >= last);
      }
      long lost = 0;
      long duplicated = 0;
      for (Member m : members) {
        List<Long> got = m.inbox.offsets();
        long last = lastOffset.get(m.room).get();
        lost += last - got.stream().distinct().count();
        duplicated += got.size() - got.stream().distinct().count();
      }
      System.out.printf("chaos: %d s, %d node kills, %d clients in %d rooms, %d published (%d refused), "
              + "%d delivered, %d lost, %d duplicated, %d reconnects, %d room resets%n",
          seconds, kills, CLIENTS, ROOMS, published.get(), publishFailures.get(), delivered(members), lost, duplicated,
          totalReconnects(members), members.stream().mapToInt(m -> m.resets.size()).sum());
      for (Member m : members) {
        long last = lastOffset.get(m.room).get();
        assertThat(m.inbox.offsets()).as("%s", m.room).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(m.resets).as("no recovered:false while Redis kept its data").isEmpty();
      }
      assertThat(publishFailures.get()).isZero();
      assertThat(kills).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void redisRestartedEmptyIsReportedToEveryClientNeverASilentHole() throws Exception {
    List<Member> members = members();
    try (RedisPublisher backend = RedisPublisher.connect(cluster.redis.uri())) {
      for (int k = 0; k < ROOMS; k++) backend.publish("chaos-r" + k, "before").join();
      for (Member m : members) await().atMost(WAIT).until(() -> m.inbox.texts().contains("before"));

      cluster.redis.kill();
      cluster.redis.start(); // empty: every room's stream starts over in a new epoch
      for (NodeProcess n : cluster.nodes) n.awaitReady(WAIT);
      await().atMost(WAIT).ignoreExceptions().until(() -> backend.publish("chaos-r0", "after").get(5, TimeUnit.SECONDS) > 0);
      for (int k = 1; k < ROOMS; k++) backend.publish("chaos-r" + k, "after").join();

      for (Member m : members) {
        await().atMost(WAIT).alias(m.room + " after").until(() -> m.inbox.texts().contains("after"));
        assertThat(m.resets).as("the lost stream is reported to %s's member", m.room).isNotEmpty();
      }
      System.out.printf("redis restarted empty: %d of %d clients told recovered=false, all got the next message%n",
          members.stream().filter(m -> !m.resets.isEmpty()).count(), members.size());
    }
  }

  private static int totalReconnects(List<Member> members) {
    return members.stream().mapToInt(m -> m.reconnects.get()).sum();
  }

  private static long delivered(List<Member> members) {
    return members.stream().mapToLong(m -> m.inbox.messages.size()).sum();
  }
}
