package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.testkit.Inbox;
import io.roomcast.testkit.NodeProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster behind nginx configured from deploy/nginx/roomcast.conf (only addresses substituted):
 * WebSockets are upgraded through it, the HTTP API goes through it, and a draining node's clients and
 * handshakes end up on the other nodes although nginx OSS only checks passively.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxClusterIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static ThreeNodes cluster;
  private static LoadBalancer nginx;
  private static final List<RoomcastClient> clients = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = ThreeNodes.start("node");
    nginx = LoadBalancer.nginx(cluster.nodes);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (RoomcastClient c : clients) c.close();
    if (nginx != null) nginx.close();
    if (cluster != null) cluster.close();
  }

  private static RoomcastClient client(ClientEvents events) {
    RoomcastClient c = RoomcastClient.connect(nginx.ws(),
        ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)), events, HTTP);
    clients.add(c);
    return c;
  }

  @Test
  @Order(1)
  void messagesThroughNginxReachEveryMemberOnceInOrder() throws Exception {
    int rooms = 15;
    int members = 90;
    List<Inbox> inboxes = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      Inbox inbox = new Inbox();
      client(new ClientEvents() {}).subscribe(room(i % rooms), inbox).join();
      inboxes.add(inbox);
    }
    RoomcastClient publisher = client(new ClientEvents() {});
    for (int k = 0; k < rooms; k++) {
      publisher.publish(room(k), "ws 1").join();
      assertThat(post(room(k), "http 2")).isEqualTo(200);
      publisher.publish(room(k), "ws 3").join();
    }
    for (int i = 0; i < members; i++) {
      Inbox inbox = inboxes.get(i);
      await().atMost(WAIT).pollDelay(Duration.ZERO).until(() -> inbox.messages.size() >= 3);
      assertThat(inbox.texts()).as("member %d of %s: %s", i, room(i % rooms),
          inbox.messages.stream().map(m -> m.textPayload() + "@" + m.offset()).toList()).containsExactly("ws 1", "http 2", "ws 3");
      assertThat(inbox.offsets()).containsExactly(1L, 2L, 3L);
    }
    // The balancer spread the members: every node got some (least_conn over three nodes).
    for (NodeProcess n : cluster.nodes) {
      String scrape = HTTP.send(HttpRequest.newBuilder(n.management("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(Scrapes.value(scrape, "roomcast_connections_open", "").orElse(0)).as(n.name).isPositive();
    }
    assertThat(status(nginx.http("/metrics"))).as("nodes' metrics are not exposed through the balancer").isEqualTo(404);
    System.out.printf("nginx: %d members in %d rooms, %d messages delivered exactly once, in order%n", members, rooms, members * 3);
  }

  @Test
  @Order(2)
  void aDrainingNodesClientsAndNewHandshakesGoToTheOtherNodes() throws Exception {
    for (RoomcastClient c : clients) c.close(); // only this test's clients on the nodes
    clients.clear();
    for (NodeProcess n : cluster.nodes) {
      await().atMost(WAIT).until(() -> Scrapes.value(scrape(n), "roomcast_connections_open", "").orElse(-1) == 0);
    }
    AtomicInteger reconnects = new AtomicInteger();
    List<Inbox> inboxes = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Inbox inbox = new Inbox();
      client(new ClientEvents() {
        @Override public void onConnected(boolean reconnect) {
          if (reconnect) reconnects.incrementAndGet();
        }
      }).subscribe("drain", inbox).join();
      inboxes.add(inbox);
    }
    NodeProcess draining = cluster.nodes.get(0);
    int sentAway = (int) Scrapes.value(scrape(draining), "roomcast_connections_open", "").orElse(0);
    assertThat(sentAway).as("node1 had clients to send away").isPositive();

    draining.stop(); // SIGTERM: 503 at the handshake, clients closed with 1001 over 2 s, then exit
    await().atMost(WAIT).until(() -> reconnects.get() >= sentAway);
    // New clients while node1 is gone: nginx skips it (connection refused, passive check).
    List<Inbox> late = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Inbox inbox = new Inbox();
      client(new ClientEvents() {}).subscribe("drain", inbox).join();
      late.add(inbox);
    }
    assertThat(post("drain", "after the drain")).isEqualTo(200);
    for (Inbox inbox : inboxes) await().atMost(WAIT).pollDelay(Duration.ZERO).until(() -> inbox.texts().contains("after the drain"));
    for (Inbox inbox : late) await().atMost(WAIT).pollDelay(Duration.ZERO).until(() -> inbox.texts().contains("after the drain"));
    for (Inbox inbox : inboxes) assertThat(inbox.texts()).containsOnlyOnce("after the drain");
    System.out.printf("nginx: node1 drained; %d clients reconnected through nginx, 10 new ones joined, all got the next message%n",
        reconnects.get());
    draining.start();
  }

  private static String scrape(NodeProcess n) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(n.management("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Publishes through nginx's HTTP side; the answer comes once Redis took it, with the offset. */
  private static int post(String room, String text) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(nginx.http("/api/v1/rooms/" + room + "/messages"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(text)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 200) assertThat(r.body()).as("publish answer").contains("\"offset\"", "\"epoch\"");
    return r.statusCode();
  }

  private static int status(java.net.URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String room(int k) {
    return "nginx-r" + k;
  }
}
