package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.ClosedBy;
import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.core.MetricNames;
import io.roomcast.core.SessionLimits;
import io.roomcast.testkit.Inbox;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node over real sockets: the Java client, raw frames and the HTTP API. */
class NodeEndToEndIT {
  private static final SessionLimits SMALL =
      new SessionLimits(1024, 512, 10, 8, 64, 1 << 20, 1000, 65_536);

  @Test
  void twoClientsInARoomExchangeMessages() {
    try (TestNode node = TestNode.start();
         RoomcastClient alice = RoomcastClient.connect(node.ws());
         RoomcastClient bob = RoomcastClient.connect(node.ws())) {
      Inbox aliceInbox = new Inbox();
      Inbox bobInbox = new Inbox();
      alice.subscribe("chat", aliceInbox).join();
      bob.subscribe("chat", bobInbox).join();

      long offset = alice.publish("chat", "hello bob").join();
      bob.publish("chat", "hello alice").join();

      assertThat(offset).isEqualTo(1);
      bobInbox.awaitText("hello alice");
      aliceInbox.awaitText("hello alice");
      assertThat(bobInbox.texts()).containsExactly("hello bob", "hello alice");
      assertThat(aliceInbox.messages).extracting(m -> m.offset()).containsExactly(1L, 2L);
    }
  }

  @Test
  void binaryPayloadsArriveByteForByte() {
    try (TestNode node = TestNode.start(); RoomcastClient c = RoomcastClient.connect(node.ws())) {
      Inbox inbox = new Inbox();
      c.subscribe("bin", inbox).join();
      byte[] bytes = {0, 1, (byte) 0xff, 10};
      c.publish("bin", bytes).join();
      org.awaitility.Awaitility.await().until(() -> inbox.messages.size() == 1);
      assertThat(inbox.messages.get(0).payload()).containsExactly(bytes);
      assertThat(inbox.messages.get(0).text()).isFalse();
    }
  }

  @Test
  void httpPublishReachesSubscribersAndAnswersTheOffset() throws Exception {
    try (TestNode node = TestNode.start(); RoomcastClient c = RoomcastClient.connect(node.ws())) {
      Inbox inbox = new Inbox();
      c.subscribe("news", inbox).join();

      var response = node.post("/api/v1/rooms/news/messages", "text/plain", "from a backend".getBytes(StandardCharsets.UTF_8));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).startsWith("{\"offset\":\"1\",\"epoch\":\"");
      inbox.awaitText("from a backend");
      assertThat(inbox.messages.get(0).text()).isTrue();
    }
  }

  @Test
  void historyApiServesWhatCameAfterAnOffset() throws Exception {
    try (TestNode node = TestNode.start()) {
      for (String m : new String[] {"one", "two", "three"}) {
        assertThat(node.post("/api/v1/rooms/log/messages", "text/plain", m.getBytes(StandardCharsets.UTF_8)).statusCode())
            .isEqualTo(200);
      }

      var page = node.get("/api/v1/rooms/log/messages?since=1&limit=10");
      var otherEpoch = node.get("/api/v1/rooms/log/messages?since=1&epoch=nope");
      var badSince = node.get("/api/v1/rooms/log/messages?since=-4");

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("\"text\":\"two\"", "\"text\":\"three\"", "\"complete\":true")
          .doesNotContain("\"text\":\"one\"");
      assertThat(otherEpoch.body()).doesNotContain("\"complete\":true").doesNotContain("\"messages\"");
      assertThat(badSince.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void theClientReconnectsToARestartedNodeAndReportsTheLostStream() throws Exception {
    TestNode first = TestNode.start();
    int port = first.server.port();
    var resets = new java.util.concurrent.CopyOnWriteArrayList<String>();
    var reconnected = new java.util.concurrent.CountDownLatch(1);
    ClientEvents events = new ClientEvents() {
      @Override public void onConnected(boolean reconnect) {
        if (reconnect) reconnected.countDown();
      }
      @Override public void onRoomReset(String room, long offset, String epoch) {
        resets.add(room);
      }
    };
    try (RoomcastClient c = RoomcastClient.connect(first.ws(),
        ClientOptions.defaults().withBackoff(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(500)), events)) {
      Inbox inbox = new Inbox();
      c.subscribe("room", inbox).join();
      c.publish("room", "before").join();
      inbox.awaitText("before");

      first.close();
      try (TestNode second = TestNode.onPort(port)) {
        assertThat(reconnected.await(20, TimeUnit.SECONDS)).isTrue();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> resets.contains("room"));
        second.post("/api/v1/rooms/room/messages", "text/plain", "after".getBytes(StandardCharsets.UTF_8));
        inbox.awaitText("after");
        assertThat(inbox.texts()).containsExactly("before", "after");
      }
    }
  }

  @Test
  void anAdminDrainTurnsReadinessOffRefusesNewClientsAndSendsClientsAwayToReconnect() throws Exception {
    try (TestNode node = TestNode.start(); RoomcastClient c = RoomcastClient.connect(node.ws())) {
      c.subscribe("room", new Inbox()).join();

      var answer = node.http.send(java.net.http.HttpRequest.newBuilder(node.management("/admin/drain"))
          .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());

      assertThat(answer.statusCode()).isEqualTo(202);
      assertThat(node.get("/readyz").statusCode()).isEqualTo(503);
      ClosedBy closed = c.closed().orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(closed.code()).isEqualTo(1001);
      assertThat(closed.reconnectAdvised()).isTrue();
      assertThat(node.get("/ws").statusCode()).isEqualTo(503);
      node.server.drained().orTimeout(10, TimeUnit.SECONDS).join();
    }
  }

  @Test
  void httpApiAnswersPreciseStatuses() throws Exception {
    try (TestNode node = TestNode.start(n -> n.withLimits(SMALL, n.maxRecovered()))) {
      assertThat(node.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(node.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(node.post("/api/v1/rooms/bad%20room/messages", "text/plain", new byte[1]).statusCode()).isEqualTo(400);
      var tooBig = node.post("/api/v1/rooms/ok/messages", "application/octet-stream", new byte[513]);
      assertThat(tooBig.statusCode()).isEqualTo(413);
      assertThat(tooBig.body()).contains("\"code\":413");
      assertThat(node.get("/nothing-here").statusCode()).isEqualTo(404);
      var plainGet = node.get("/ws");
      assertThat(plainGet.statusCode()).isEqualTo(426);
      assertThat(plainGet.headers().firstValue("Sec-WebSocket-Version")).hasValue("13");
    }
  }

  @Test
  void refusesAnInvalidRoomNameWith400AndKeepsTheConnection() {
    try (TestNode node = TestNode.start(); RoomcastClient c = RoomcastClient.connect(node.ws())) {
      assertThatThrownBy(() -> c.subscribe("no spaces", new Inbox()).join())
          .isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(RoomcastException.class)
          .satisfies(e -> assertThat(((RoomcastException) e).code()).isEqualTo(400));
      assertThatThrownBy(() -> c.unsubscribe("never-joined").join())
          .cause().satisfies(e -> assertThat(((RoomcastException) e).code()).isEqualTo(404));

      Inbox inbox = new Inbox();
      c.subscribe("fine", inbox).join();
      c.publish("fine", "still connected").join();
      inbox.awaitText("still connected");
    }
  }

  @Test
  void undecodableFrameClosesWith4000AndOthersKeepReceiving() {
    try (TestNode node = TestNode.start();
         RoomcastClient good = RoomcastClient.connect(node.ws());
         RoomcastClient bad = RoomcastClient.connect(node.ws())) {
      Inbox inbox = new Inbox();
      good.subscribe("room", inbox).join();
      bad.subscribe("room", new Inbox()).join();

      bad.sendRaw(new byte[] {9, 1, 2, 3}).join(); // declares 9 bytes, carries 3

      ClosedBy closed = bad.closed().orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(closed.code()).isEqualTo(4000);
      assertThat(closed.reason()).startsWith("malformed frame");
      assertThat(closed.reconnectAdvised()).isFalse();
      good.publish("room", "after the bad frame").join();
      inbox.awaitText("after the bad frame");
      assertThat(node.count(MetricNames.FRAMES_MALFORMED, "reason", "undecodable")).isEqualTo(1);
    }
  }

  @Test
  void messageOverTheSizeLimitClosesWith1009AndOthersKeepReceiving() {
    try (TestNode node = TestNode.start(n -> n.withLimits(SMALL, n.maxRecovered()));
         RoomcastClient good = RoomcastClient.connect(node.ws());
         RoomcastClient big = RoomcastClient.connect(node.ws())) {
      Inbox inbox = new Inbox();
      good.subscribe("room", inbox).join();

      big.sendRaw(new byte[4096]).join();

      ClosedBy closed = big.closed().orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(closed.code()).isEqualTo(1009);
      good.publish("room", "after the big one").join();
      inbox.awaitText("after the big one");
      assertThat(node.count(MetricNames.FRAMES_MALFORMED, "reason", "too_big")).isEqualTo(1);
    }
  }
}
