package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.roomcast.client.RoomcastClient;
import io.roomcast.core.MemoryBroker;
import io.roomcast.testkit.Inbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} as Prometheus scrapes it (on the management port), after real traffic through a node. */
class MetricsEndpointIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** A sample line of the text format: name, optional labels, value. */
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

  @Test
  void aScrapeShowsTrafficConnectionsLatencyAndTheJvmWithoutPerRoomOrPerSessionLabels() throws Exception {
    PrometheusMeterRegistry registry = Metrics.prometheus();
    try (RoomcastServer server = RoomcastServer.start(ServerConfig.loopback("metrics"), new MemoryBroker(), registry);
         RoomcastClient alice = RoomcastClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
         RoomcastClient bob = RoomcastClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"))) {
      Inbox inbox = new Inbox();
      bob.subscribe("room-secret-name", inbox).join();
      for (int i = 0; i < 5; i++) alice.publish("room-secret-name", "m" + i).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> inbox.messages.size() == 5);

      HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      String body = scrape.body();
      assertThat(value(body, "roomcast_messages_published_total", "via=\"websocket\"")).hasValue(5);
      assertThat(value(body, "roomcast_messages_received_total", "")).hasValue(5);
      assertThat(value(body, "roomcast_messages_delivered_total", "")).hasValue(5);
      assertThat(value(body, "roomcast_connections_open", "")).hasValue(2);
      assertThat(value(body, "roomcast_connections_opened_total", "")).hasValue(2);
      assertThat(value(body, "roomcast_delivery_latency_seconds_count", "")).hasValue(5);
      assertThat(value(body, "roomcast_delivery_latency_seconds_bucket", "le=\"+Inf\"")).hasValue(5);
      assertThat(value(body, "roomcast_broker_publish_seconds_count", "outcome=\"ok\"")).hasValue(5);
      // the room, and each connection's own room $<session> (docs/protocol.md, personal rooms)
      assertThat(value(body, "roomcast_broker_subscriptions", "")).hasValue(3);
      assertThat(value(body, "roomcast_presence_members", "")).hasValue(1);
      assertThat(value(body, "roomcast_bytes_sent_bytes_total", "layer=\"message\"").orElse(0)).isGreaterThan(0);
      assertThat(value(body, "roomcast_bytes_received_bytes_total", "layer=\"message\"").orElse(0)).isGreaterThan(0);
      assertThat(value(body, "roomcast_outbound_queued_bytes", "")).isPresent();
      assertThat(value(body, "roomcast_batch_frames_count", "").orElse(0)).isGreaterThanOrEqualTo(5);
      assertThat(value(body, "jvm_memory_used_bytes", "area=\"heap\"")).isPresent();
      assertThat(body).contains("jvm_gc_", "process_cpu_usage", "process_files_open_files");

      List<String> labels = body.lines().filter(l -> l.startsWith("roomcast_"))
          .map(SAMPLE::matcher).filter(Matcher::matches).map(m -> m.group(2) == null ? "" : m.group(2)).toList();
      assertThat(labels).isNotEmpty();
      assertThat(labels).noneMatch(l -> l.contains("room=") || l.contains("session=") || l.contains("user="))
          .noneMatch(l -> l.contains("room-secret-name") || l.contains("metrics-"));
    }
  }

  @Test
  void closesAreCountedByCode() throws Exception {
    PrometheusMeterRegistry registry = Metrics.prometheus();
    try (RoomcastServer server = RoomcastServer.start(ServerConfig.loopback("metrics"), new MemoryBroker(), registry)) {
      RoomcastClient c = RoomcastClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"));
      c.subscribe("x", m -> { }).join();
      c.close();
      await().atMost(Duration.ofSeconds(10)).until(() ->
          value(registry.scrape(), "roomcast_connections_closed_total", "code=\"1000\"").orElse(0) == 1);
      assertThat(value(registry.scrape(), "roomcast_connections_open", "")).hasValue(0);
    }
  }

  /** The value of the first sample of {@code name} whose labels contain {@code label}. */
  static OptionalDouble value(String scrape, String name, String label) {
    return scrape.lines().map(SAMPLE::matcher).filter(Matcher::matches)
        .filter(m -> m.group(1).equals(name) && (m.group(2) == null ? "" : m.group(2)).contains(label))
        .mapToDouble(m -> Double.parseDouble(m.group(3))).findFirst();
  }
}
