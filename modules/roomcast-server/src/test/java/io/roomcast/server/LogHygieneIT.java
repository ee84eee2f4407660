package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.client.RoomcastClient;
import io.roomcast.testkit.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a node logs at DEBUG, the most it ever says: connection lifecycle lines with their context
 * (node, session, address, close code) as structured fields, and never a secret it was handed: the
 * Redis password, a token in the handshake's query string or Authorization header, or a payload.
 */
class LogHygieneIT {
  private static final String REDIS_PASSWORD = "redis-pass-5ecr3t";
  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.tok3n-5ecr3t.sig";
  private static final String PAYLOAD = "payload-5ecr3t";
  private static final String MANAGEMENT_TOKEN = "management-5ecr3t-token";

  private final LoggerContext logs = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final Logger roomcast = logs.getLogger("io.roomcast");
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = roomcast.getLevel();
    roomcast.setLevel(Level.DEBUG);
    captured.setContext(logs);
    captured.start();
    logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(captured);
    logs.putProperty("node", "hygiene");
  }

  @AfterEach
  void restore() {
    logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
    roomcast.setLevel(levelBefore);
  }

  @Test
  void debugLogsCarryContextButNoPasswordTokenOrPayload() throws Exception {
    // Redis is not there: the broker keeps retrying and logs each failure with the URI.
    String redisUri = "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + FreePorts.next();
    ServerConfig config = ServerConfig.loopback("hygiene").withRedis(redisUri)
        .withManagement(new ManagementSettings("127.0.0.1", 0, java.util.Optional.of(MANAGEMENT_TOKEN)));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (RoomcastServer server = RoomcastServer.start(config,
        Brokers.forConfig(config.broker(), registry), registry)) {
      URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws?token=" + TOKEN);
      WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
          .header("Authorization", "Bearer " + TOKEN)
          .subprotocols("roomcast.v1.json")
          .buildAsync(ws, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              webSocket.request(1);
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
      // A publish the broker cannot take (Redis is down), then a frame the node must refuse.
      socket.sendText("{\"id\":1,\"publish\":{\"room\":\"r\",\"text\":\"" + PAYLOAD + "\"}}", true).get(5, TimeUnit.SECONDS);
      socket.sendText("not json " + TOKEN, true).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream().anyMatch(l -> l.contains("refused a message")));
      await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream().anyMatch(l -> l.contains("cannot connect to redis")));
      try (RoomcastClient c = RoomcastClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"))) {
        assertThat(c).isNotNull();
      }
      HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/api/v1/rooms/r/messages?token=" + TOKEN)).header("Authorization", "Bearer " + TOKEN)
          .POST(HttpRequest.BodyPublishers.ofString(PAYLOAD)).build(), HttpResponse.BodyHandlers.discarding());
      assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.managementPort()
          + "/admin/drain")).header("Authorization", "Bearer " + MANAGEMENT_TOKEN.substring(1))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream()
          .filter(l -> l.contains("session closed by")).count() >= 2);
    }

    List<String> lines = lines();
    assertThat(lines).anyMatch(l -> l.contains("session opened"));
    assertThat(String.join("\n", lines)).doesNotContain(REDIS_PASSWORD, TOKEN, "tok3n-5ecr3t", PAYLOAD,
        MANAGEMENT_TOKEN.substring(1));

    // The same events as JSON for a log shipper: one object per line, context as fields.
    ObjectMapper json = new ObjectMapper();
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(logs);
    encoder.start();
    ILoggingEvent closed = captured.list.stream()
        .filter(e -> e.getFormattedMessage().startsWith("session closed by node")).findFirst().orElseThrow();
    String line = new String(encoder.encode(closed), StandardCharsets.UTF_8);
    assertThat(line).endsWith("\n").doesNotContain(TOKEN);
    JsonNode fields = json.readTree(line);
    assertThat(fields.path("node").asText()).isEqualTo("hygiene");
    assertThat(fields.path("session").asText()).startsWith("hygiene-");
    assertThat(fields.path("remote").asText()).contains("127.0.0.1");
    assertThat(fields.path("code").asInt()).isEqualTo(4000);
    assertThat(fields.path("level").asText()).isEqualTo("DEBUG");
  }

  /** Every captured event as a shipper would see it: message, key-value pairs and stack trace. */
  private List<String> lines() {
    return captured.list.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs()
        + (e.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
  }
}
