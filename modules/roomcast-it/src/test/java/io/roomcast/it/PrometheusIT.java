package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.roomcast.client.RoomcastClient;
import io.roomcast.testkit.FreePorts;
import io.roomcast.testkit.Inbox;
import io.roomcast.testkit.NodeProcess;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Prometheus (Debian's package) scraping three node processes with deploy/prometheus/prometheus.yml,
 * whose "roomcast" job gets the nodes' addresses as targets (everything else as shipped); the
 * deliveries the clients saw are read back through Prometheus's HTTP API, and every query of the
 * Grafana dashboard in deploy/grafana is run against it.
 */
class PrometheusIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path DEPLOY = Path.of(System.getProperty("roomcast.deploy"));
  /** Meters created on their first event, which this test does not cause. */
  private static final Set<String> LAZY = Set.of("roomcast_handshakes_rejected_total", "roomcast_requests_rejected_total",
      "roomcast_http_rejected_total", "roomcast_frames_malformed_total");

  @Test
  void prometheusScrapesTheNodesWithTheShippedConfigAndTheDashboardsQueriesRun() throws Exception {
    List<RoomcastClient> clients = new ArrayList<>();
    Process prometheus = null;
    Path data = Files.createTempDirectory("roomcast-prometheus-");
    Path log = data.resolve("prometheus.log");
    try (ThreeNodes cluster = ThreeNodes.start("node")) {
      List<NodeProcess> nodes = cluster.nodes;
      // 10 members per node in 2 rooms, 12 messages per room: 30 x 12 = 360 deliveries in all.
      List<Inbox> inboxes = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        RoomcastClient c = RoomcastClient.connect(nodes.get(i % 3).ws());
        clients.add(c);
        Inbox inbox = new Inbox();
        c.subscribe("prom-" + (i % 2), inbox).join();
        inboxes.add(inbox);
      }
      for (int k = 0; k < 12; k++) {
        clients.get(k % 30).publish("prom-0", "a" + k).join();
        clients.get((k + 1) % 30).publish("prom-1", "b" + k).join();
      }
      for (Inbox inbox : inboxes) await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).until(() -> inbox.messages.size() == 12);
      RoomcastClient leaving = RoomcastClient.connect(nodes.get(0).ws());
      leaving.close(); // one close, so the close counter exists

      int port = FreePorts.next();
      Path config = data.resolve("prometheus.yml");
      Files.writeString(config, renderConfig(nodes));
      prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + data.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Process p = prometheus;
      String base = "http://127.0.0.1:" + port;

      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .alias("360 deliveries through Prometheus")
          .until(() -> {
            if (!p.isAlive()) throw new AssertionError("prometheus exited: " + Files.readString(log));
            return scalar(base, "sum(roomcast_messages_delivered_total{job=\"roomcast\"})") == 360;
          });
      assertThat(scalar(base, "count(up{job=\"roomcast\"} == 1)")).isEqualTo(3);
      assertThat(scalar(base, "sum(roomcast_messages_published_total{job=\"roomcast\",via=\"websocket\"})")).isEqualTo(24);
      assertThat(scalar(base, "sum(roomcast_connections_open{job=\"roomcast\"})")).isEqualTo(30);
      System.out.printf("prometheus: 3 targets up; sum(roomcast_messages_delivered_total) = 360 through %s/api/v1/query%n", base);

      Set<String> names = new HashSet<>();
      JSON.readTree(get(base + "/api/v1/label/__name__/values")).path("data").forEach(n -> names.add(n.asText()));
      List<String> exprs = new ArrayList<>();
      JsonNode dashboard = JSON.readTree(DEPLOY.resolve("grafana/dashboards/roomcast.json").toFile());
      dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText())));
      assertThat(exprs).hasSizeGreaterThan(20);
      Pattern metric = Pattern.compile("\\b((?:roomcast|jvm|process|resilience4j)_[a-z0-9_]+)");
      for (String expr : exprs) {
        JsonNode answer = JSON.readTree(get(base + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)));
        assertThat(answer.path("status").asText()).as("the dashboard's query %s: %s", expr, answer).isEqualTo("success");
        Matcher m = metric.matcher(expr);
        while (m.find()) {
          if (!LAZY.contains(m.group(1))) assertThat(names).as("metric of the dashboard's query %s", expr).contains(m.group(1));
        }
      }
      System.out.printf("grafana dashboard: %d queries valid, every metric they name is scraped%n", exprs.size());
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) prometheus.destroyForcibly();
      }
      for (RoomcastClient c : clients) c.close();
    }
  }

  /** deploy/prometheus/prometheus.yml with the "roomcast" job's targets replaced by {@code nodes}. */
  static String renderConfig(List<NodeProcess> nodes) throws Exception {
    JsonNode config = YAML.readTree(DEPLOY.resolve("prometheus/prometheus.yml").toFile());
    ObjectNode job = null;
    for (JsonNode j : config.path("scrape_configs")) {
      if (j.path("job_name").asText().equals("roomcast")) job = (ObjectNode) j;
    }
    assertThat(job).as("a job named roomcast in deploy/prometheus/prometheus.yml").isNotNull();
    ArrayNode staticConfigs = (ArrayNode) job.path("static_configs");
    assertThat(staticConfigs).hasSize(1);
    ArrayNode targets = ((ObjectNode) staticConfigs.get(0)).putArray("targets");
    for (NodeProcess n : nodes) targets.add(n.managementAddress());
    return YAML.writeValueAsString(config);
  }

  private static double scalar(String base, String query) throws Exception {
    JsonNode answer = JSON.readTree(get(base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)));
    JsonNode result = answer.path("data").path("result");
    if (result.size() != 1) return Double.NaN;
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  private static String get(String uri) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
