package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Handshakes refused before the upgrade: the exact status, the metric by reason, and a log that scanners cannot flood. */
class HandshakeIT {
  private static final String ATTACKER = "127.0.0.2";
  private static final String KEY = "Sec-WebSocket-Key: " + RawWebSocket.KEY;

  @Test
  void malformedHandshakesGetPreciseStatusesBeforeTheUpgrade() throws Exception {
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws())) {
      assertRefused(node, request("Host: x"), 426, "not_websocket");
      assertRefused(node, request("Host: x", "Upgrade: h2c", "Connection: Upgrade", KEY, "Sec-WebSocket-Version: 13"), 400, "bad_upgrade");
      assertRefused(node, request("Host: x", "Upgrade: websocket", "Connection: keep-alive", KEY, "Sec-WebSocket-Version: 13"), 400, "bad_connection");
      assertRefused(node, request("Host: x", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: c2hvcnQ=", "Sec-WebSocket-Version: 13"), 400, "bad_key");
      assertRefused(node, request("Host: x", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"), 400, "bad_key");
      String head = assertRefused(node, request("Host: x", "Upgrade: websocket", "Connection: Upgrade", KEY, "Sec-WebSocket-Version: 8"), 426, "bad_version");
      assertThat(head).containsIgnoringCase("Sec-WebSocket-Version: 13");

      try (RawWebSocket ok = RawWebSocket.connect(node.port(), ATTACKER)) {
        assertThat(ok.upgrade()).as("a well-formed handshake still upgrades").isEqualTo(101);
      }
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void anUnknownSubprotocolFallsBackToTheBinaryOne() throws Exception {
    try (TestNode node = TestNode.start(); RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      raw.write(RawWebSocket.handshakeFor("chat.v9", "/ws"));
      String head = raw.readHead();
      assertThat(head).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("Sec-WebSocket-Protocol");
    }
  }

  @Test
  void originsOutsideTheAllowlistGet403BeforeTheUpgrade() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withOrigins(OriginPolicy.of(List.of("https://app.example.com", "https://*.example.org"))));
         Bystander bystander = Bystander.on(node.ws())) {
      assertThat(upgradeFrom(node, "Origin: https://app.example.com")).isEqualTo(101);
      assertThat(upgradeFrom(node, "Origin: https://chat.eu.example.org")).isEqualTo(101);
      assertThat(upgradeFrom(node, "Origin: http://127.0.0.1")).as("same origin: the demo page").isEqualTo(101);
      assertThat(upgradeFrom(node)).as("no Origin: not a browser").isEqualTo(101);

      assertThat(upgradeFrom(node, "Origin: https://evil.example.com")).isEqualTo(403);
      assertThat(upgradeFrom(node, "Origin: https://example.org")).as("the bare domain is not a subdomain").isEqualTo(403);
      assertThat(upgradeFrom(node, "Origin: http://app.example.com")).as("another scheme").isEqualTo(403);
      assertThat(upgradeFrom(node, "Origin: null")).isEqualTo(403);

      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "origin")).isEqualTo(4);
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void tenThousandMalformedHandshakesLeaveAHandfulOfWarnLines() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(HandshakeRejections.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try (TestNode node = TestNode.start(); Bystander bystander = Bystander.on(node.ws())) {
      String bad = request("Host: x", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: nope", "Sec-WebSocket-Version: 13");
      int perSocket = 2_500;
      int batch = 250;
      for (int s = 0; s < 4; s++) {
        try (RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) { // keep-alive: requests pipelined
          for (int sent = 0; sent < perSocket; sent += batch) {
            raw.write(bad.repeat(batch));
            for (int i = 0; i < batch; i++) assertThat(raw.readResponse()).isEqualTo(400);
          }
        }
      }

      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "bad_key")).isEqualTo(10_000);
      long warnings = lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).count();
      assertThat(warnings).as("warn lines for 10,000 refusals").isBetween(1L, 3L);
      bystander.assertKeptReceiving();
    } finally {
      logger.detachAppender(lines);
    }
  }

  /** A GET /ws with exactly these header lines. */
  private static String request(String... headers) {
    return "GET /ws HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
  }

  private static String assertRefused(TestNode node, String request, int status, String reason) throws Exception {
    double before = node.count(MetricNames.HANDSHAKES_REJECTED, "reason", reason);
    try (RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      raw.write(request);
      String head = raw.readHead();
      assertThat(head).as(reason).startsWith("HTTP/1.1 " + status);
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", reason)).as(reason).isEqualTo(before + 1);
      return head;
    }
  }

  private static int upgradeFrom(TestNode node, String... headers) throws Exception {
    try (RawWebSocket raw = RawWebSocket.connect(node.port(), ATTACKER)) {
      return raw.upgrade(headers);
    }
  }
}
