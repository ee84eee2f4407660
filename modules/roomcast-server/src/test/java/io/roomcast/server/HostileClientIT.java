package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.core.SessionLimits;
import io.roomcast.testkit.RawWebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Clients that break the protocol on purpose, over bare sockets. Each gets the exact close code or
 * status, is counted, and a well-behaved client on the same node keeps receiving throughout.
 */
class HostileClientIT {
  private static final SessionLimits SMALL = new SessionLimits(1024, 512, 10, 8, 64, 1 << 20, 1000, 65_536);
  /** Attackers connect from here, so per-address limits do not touch the bystander on 127.0.0.1. */
  private static final String ATTACKER = "127.0.0.2";

  @Test
  void garbageAfterTheUpgradeClosesWith1002() throws Exception {
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      assertThat(raw.upgrade()).isEqualTo(101);

      raw.write(new byte[] {(byte) 0xff, (byte) 0xfe, 0x13, 0x37, 0, 0, 0, 0, 1, 2, 3, 4});

      assertThat(raw.awaitCloseCode()).as("close, reason %s", raw.closeReason).isEqualTo(1002);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "protocol_error");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void anUnmaskedClientFrameClosesWith1002() throws Exception {
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      assertThat(raw.upgrade()).isEqualTo(101);

      raw.write(RawWebSocket.frame(true, 0x2, false, new byte[] {2, 0x2a, 0})); // RFC 6455: clients must mask

      assertThat(raw.awaitCloseCode()).as("close, reason %s", raw.closeReason).isEqualTo(1002);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "protocol_error");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void aFragmentedControlFrameClosesWith1002() throws Exception {
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      assertThat(raw.upgrade()).isEqualTo(101);

      raw.write(RawWebSocket.frame(false, 0x9, true, "ping".getBytes(StandardCharsets.US_ASCII))); // a ping without FIN

      assertThat(raw.awaitCloseCode()).as("close, reason %s", raw.closeReason).isEqualTo(1002);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "protocol_error");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void invalidUtf8InATextMessageClosesWith1007() throws Exception {
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      raw.write(RawWebSocket.handshakeFor("roomcast.v1.json", "/ws"));
      assertThat(raw.readStatus()).isEqualTo(101);

      raw.write(RawWebSocket.frame(true, 0x1, true, new byte[] {'{', (byte) 0xc3, 0x28, '}'}));

      assertThat(raw.awaitCloseCode()).isEqualTo(1007);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "invalid_utf8");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void aFrameHeaderDeclaring100MegabytesClosesWith1009BeforeAnyPayload() throws Exception {
    try (TestNode node = TestNode.start(n -> n.withLimits(SMALL, n.maxRecovered())); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      assertThat(raw.upgrade()).isEqualTo(101);

      long hundredMegabytes = 100L << 20;
      byte[] header = new byte[14];
      header[0] = (byte) 0x82;
      header[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) header[2 + i] = (byte) (hundredMegabytes >>> (8 * (7 - i)));
      raw.write(header); // mask key follows; no payload ever does

      assertThat(raw.awaitCloseCode()).isEqualTo(1009);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "too_big");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void fragmentsAddingUpToMoreThanTheLimitCloseWith1009() throws Exception {
    try (TestNode node = TestNode.start(n -> n.withLimits(SMALL, n.maxRecovered())); Bystander bystander = Bystander.on(node.ws());
         RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      assertThat(raw.upgrade()).isEqualTo(101);

      raw.write(RawWebSocket.frame(false, 0x2, true, new byte[600])); // each fragment under the 1024-byte limit
      raw.write(RawWebSocket.frame(false, 0x0, true, new byte[600]));
      raw.write(RawWebSocket.frame(true, 0x0, true, new byte[600]));

      assertThat(raw.awaitCloseCode()).isEqualTo(1009);
      node.awaitCount(MetricNames.FRAMES_MALFORMED, 1, "reason", "too_big");
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void aHandshakeThatNeverCompletesIsCutAfterTheHandshakeTimeout() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withConnections(limits(1_000, 1_000, Duration.ofSeconds(1))));
         Bystander bystander = Bystander.on(node.ws());
         RawWebSocket slow = RawWebSocket.connect(node.port(), ATTACKER);
         RawWebSocket silent = RawWebSocket.connect(node.port(), ATTACKER)) {
      long start = System.nanoTime();

      slow.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"); // and never the rest

      assertThat(slow.awaitEndOfStream()).as("slowloris cut").isTrue();
      assertThat(silent.awaitEndOfStream()).as("silent connection cut").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void thousandsOfConnectionsFromOneAddressGet429BeyondItsLimit() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withConnections(limits(10_000, 50, Duration.ofSeconds(10))));
         Bystander bystander = Bystander.on(node.ws())) {
      Map<Integer, Integer> statuses = upgradesHeldOpen(node, 2_000);

      assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(101, 50, 429, 1_950));
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "address_connections")).isEqualTo(1_950);
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void connectingTooFastFromOneAddressGets429() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withConnections(new ConnectionLimits(10_000, 1_000, 1, 5, Duration.ofSeconds(10))));
         Bystander bystander = Bystander.on(node.ws())) {
      Map<Integer, Integer> statuses = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        try (RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
          statuses.merge(raw.upgrade(), 1, Integer::sum);
        }
      }

      // A burst of 5, then 1 per second: a 6th only if a second passed during the loop.
      assertThat(statuses.get(101)).isBetween(5, 6);
      assertThat(statuses.get(429)).isEqualTo(10 - statuses.get(101));
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "address_rate")).isEqualTo(statuses.get(429).doubleValue());
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void aFullNodeAnswers503BeforeTheUpgrade() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withConnections(limits(10, 1_000, Duration.ofSeconds(10))));
         Bystander bystander = Bystander.on(node.ws())) { // 2 of the 10
      Map<Integer, Integer> statuses = upgradesHeldOpen(node, 20);

      assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(101, 8, 503, 12));
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "node_full")).isEqualTo(12);
      // The closed connections gave their places back.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (RawWebSocket again = RawWebSocket.connect(node.port(), ATTACKER)) {
          return again.upgrade() == 101;
        }
      });
      bystander.assertKeptReceiving();
    }
  }

  /**
   * Opens {@code attempts} connections from the attacker's address one after another, keeping every
   * upgraded one open until the last attempt, then closes them all; counts the handshake statuses.
   */
  private static Map<Integer, Integer> upgradesHeldOpen(TestNode node, int attempts) throws java.io.IOException {
    Map<Integer, Integer> statuses = new HashMap<>();
    java.util.List<RawWebSocket> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < attempts; i++) {
        RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER);
        int status = raw.upgrade();
        statuses.merge(status, 1, Integer::sum);
        if (status == 101) open.add(raw); else raw.close();
      }
    } finally {
      for (RawWebSocket r : open) r.close();
    }
    return statuses;
  }

  private static ConnectionLimits limits(int max, int perAddress, Duration handshakeTimeout) {
    return new ConnectionLimits(max, perAddress, 100_000, 100_000, handshakeTimeout);
  }
}
