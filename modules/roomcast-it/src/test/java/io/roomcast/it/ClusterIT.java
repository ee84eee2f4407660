package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.redis.RedisPublisher;
import io.roomcast.testkit.Inbox;
import io.roomcast.testkit.NodeProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster as ops run it: three node processes from the fat jar, one Redis, and haproxy configured
 * from deploy/haproxy/haproxy.cfg; clients connect through haproxy and publishers come in through
 * every door (a node's WebSocket, the HTTP API, redis-cli with the publish script, a plain PUBLISH).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SCRIPT = "../roomcast-redis/src/main/resources/io/roomcast/redis/publish.lua";

  private static ThreeNodes cluster;
  private static LoadBalancer lb;
  private static final List<RoomcastClient> clients = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = ThreeNodes.start("node");
    lb = LoadBalancer.haproxy(cluster.nodes);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (RoomcastClient c : clients) c.close();
    if (lb != null) lb.close();
    if (cluster != null) cluster.close();
  }

  private static RoomcastClient client(java.net.URI uri, ClientEvents events) {
    RoomcastClient c = RoomcastClient.connect(uri,
        ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)), events, HTTP);
    clients.add(c);
    return c;
  }

  @Test
  @Order(1)
  void messagesPublishedThroughEveryDoorReachEveryMemberOfTheRoomExactlyOnceInOrderAndNobodyElse() throws Exception {
    int rooms = 30;
    int members = 300;
    List<Inbox> inboxes = new ArrayList<>();
    List<RoomcastClient> memberClients = new ArrayList<>();
    AtomicInteger resets = new AtomicInteger();
    ClientEvents countResets = new ClientEvents() {
      @Override public void onRoomReset(String room, long offset, String epoch) {
        resets.incrementAndGet();
      }
    };
    for (int i = 0; i < members; i++) {
      RoomcastClient c = client(lb.ws(), countResets);
      Inbox inbox = new Inbox();
      // rooms nobody published yet: offset 0 in no epoch, and nothing stored in Redis for them
      assertThat(c.subscribe(room(i % rooms), inbox).join().getEpoch()).isEmpty();
      inboxes.add(inbox);
      memberClients.add(c);
    }
    List<RoomcastClient> publishers = new ArrayList<>();
    for (NodeProcess n : cluster.nodes) publishers.add(client(n.ws(), new ClientEvents() {}));
    try (RedisPublisher backend = RedisPublisher.connect(cluster.redis.uri())) {

    for (int k = 0; k < rooms; k++) {
      String room = room(k);
      publishers.get(k % 3).publish(room, room + " via node" + (k % 3 + 1) + " ws").join();
      HttpResponse<String> http = HTTP.send(HttpRequest.newBuilder(cluster.nodes.get((k + 1) % 3).http("/api/v1/rooms/" + room + "/messages"))
          .header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString(room + " via http")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(http.statusCode()).isEqualTo(200);
      redisCli("--eval", SCRIPT, "roomcast:{" + room + "}:offset", "roomcast:{" + room + "}:epoch",
          "roomcast:{" + room + "}:history", "roomcast:{" + room + "}:gen", ",", "roomcast:{" + room + "}", room + " via the script", "t");
      publishers.get((k + 2) % 3).publish(room, room + " via node" + ((k + 2) % 3 + 1) + " ws").join();
      assertThat(backend.publish(room, room + " via the Java Publisher").join()).isEqualTo(5);
      redisCli("PUBLISH", "roomcast:{" + room + "}", room + " via plain PUBLISH");
    }
    }

    for (int i = 0; i < members; i++) {
      String room = room(i % rooms);
      Inbox inbox = inboxes.get(i);
      // the first look at once: Awaitility waits 100 ms before it by default, 300 times here
      await().atMost(WAIT).pollDelay(Duration.ZERO).alias(room + " member " + i).until(() -> inbox.messages.size() >= 6);
      int k = i % rooms;
      assertThat(inbox.texts()).as("member %d of %s", i, room).containsExactly(
          room + " via node" + (k % 3 + 1) + " ws", room + " via http", room + " via the script",
          room + " via node" + ((k + 2) % 3 + 1) + " ws", room + " via the Java Publisher", room + " via plain PUBLISH");
      assertThat(inbox.offsets()).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(inbox.messages.get(5).offset()).as("a plain PUBLISH carries no offset").isZero();
    }
    for (RoomcastClient c : memberClients) assertThat(c.strayMessages()).isZero();
    assertThat(resets.get()).as("the first message of a fresh room continues the empty position: no reset").isZero();
    System.out.printf("cluster: %d members in %d rooms through haproxy, %d messages delivered exactly once, in order%n",
        members, rooms, members * 6);
  }

  @Test
  @Order(2)
  void aRedisOutageFailsPublishesFastAndTheClusterRecoversWithoutANodeRestart() throws Exception {
    RoomcastClient c = client(lb.ws(), new ClientEvents() {});
    Inbox inbox = new Inbox();
    c.subscribe("outage", inbox).join();
    c.publish("outage", "before").join();
    await().atMost(WAIT).until(() -> inbox.texts().contains("before"));

    cluster.redis.kill();
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.publish("outage", "during").join())
        .isInstanceOf(CompletionException.class).cause().isInstanceOf(RoomcastException.class)
        .satisfies(e -> assertThat(((RoomcastException) e).code()).isEqualTo(503));
    long failedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(failedAfterMs).as("a publish fails within the command timeout, never hangs").isLessThan(5_000);
    for (NodeProcess n : cluster.nodes) {
      await().atMost(WAIT).until(() -> status(n.http("/readyz")) == 503);
    }

    cluster.redis.start(); // empty: the room's stream starts a new epoch
    long back = System.nanoTime();
    for (NodeProcess n : cluster.nodes) n.awaitReady(WAIT);
    await().atMost(WAIT).ignoreExceptions().until(() -> c.publish("outage", "after").get(5, TimeUnit.SECONDS) > 0);
    await().atMost(WAIT).until(() -> inbox.texts().contains("after"));
    System.out.printf("redis outage: publish failed after %d ms; rooms worked again %d ms after Redis returned%n",
        failedAfterMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));
    assertThat(inbox.texts()).doesNotContain("during");
    // haproxy marks the nodes up again after two good /readyz checks: until then it has no server for new clients.
    await().atMost(WAIT).until(() -> status(lb.http("/readyz")) == 200);
  }

  @Test
  @Order(3)
  void theClientsOfAKilledNodeReconnectThroughHaproxyToTheOthers() throws Exception {
    AtomicInteger reconnects = new AtomicInteger();
    List<Inbox> inboxes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      RoomcastClient c = client(lb.ws(), new ClientEvents() {
        @Override public void onConnected(boolean reconnect) {
          if (reconnect) reconnects.incrementAndGet();
        }
      });
      Inbox inbox = new Inbox();
      c.subscribe("failover", inbox).join();
      inboxes.add(inbox);
    }

    // The node holding most of them (haproxy may not have had every node back up when they connected).
    int victim = 0;
    double most = -1;
    for (int i = 0; i < 3; i++) {
      String scrape = HTTP.send(HttpRequest.newBuilder(cluster.nodes.get(i).management("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      double open = Scrapes.value(scrape, "roomcast_connections_open", "").orElse(0);
      if (open > most) {
        most = open;
        victim = i;
      }
    }
    assertThat(most).as("clients on the node to kill").isPositive();
    NodeProcess killed = cluster.nodes.get(victim);
    NodeProcess other = cluster.nodes.get((victim + 1) % 3);
    killed.kill();
    await().atMost(WAIT).until(() -> reconnects.get() > 0);
    await().atMost(WAIT).until(() -> status(other.http("/readyz")) == 200);
    int reconnected = reconnects.get();
    HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(lb.http("/api/v1/rooms/failover/messages"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("after the crash")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(sent.statusCode()).isEqualTo(200);
    for (Inbox inbox : inboxes) await().atMost(WAIT).pollDelay(Duration.ZERO).until(() -> inbox.texts().contains("after the crash"));
    System.out.printf("node killed: %d of 30 clients reconnected through haproxy; all 30 received the next message%n", reconnected);
    killed.start();
  }

  private static String room(int k) {
    return "cluster-r" + k;
  }

  private static int status(java.net.URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void redisCli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(cluster.redis.port())));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out).as("redis-cli %s", args[0]).doesNotContain("ERR");
  }
}
