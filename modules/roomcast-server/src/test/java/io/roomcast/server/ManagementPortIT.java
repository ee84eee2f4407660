package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.roomcast.core.MemoryBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code /admin/*} and {@code /metrics} live on the management port only: the public port answers 404
 * for them (it served both before, and trusted a loopback peer for the drain, which the PROXY protocol
 * lets a client claim); the management port serves them, and off loopback its admin calls need the token.
 */
class ManagementPortIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final String TOKEN = "s3cret-management-token";

  @Test
  void thePublicPortAnswers404ForMetricsAndAdminInEverySpellingAndTheManagementPortServesThem() throws Exception {
    PrometheusMeterRegistry registry = Metrics.prometheus();
    try (RoomcastServer server = RoomcastServer.start(ServerConfig.loopback("mgmt"), new MemoryBroker(), registry)) {
      assertThat(server.managementPort()).isPositive().isNotEqualTo(server.port());
      for (String path : List.of("/metrics", "/METRICS", "//metrics", "/metrics;x=1", "/%6detrics", "/admin/drain",
          "/Admin/drain", "//admin/drain", "/admin/drain;x", "/%61dmin/drain")) {
        assertThat(status("GET", url(server.port(), path))).as("GET " + path + " on the public port").isEqualTo(404);
        assertThat(status("POST", url(server.port(), path))).as("POST " + path + " on the public port").isEqualTo(404);
      }
      assertThat(status("GET", url(server.port(), "/readyz"))).as("the public port's POSTs did not drain").isEqualTo(200);
      assertThat(status("GET", url(server.port(), "/healthz"))).isEqualTo(200);

      HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(url(server.managementPort(), "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body()).contains("roomcast_connections_open");
      assertThat(status("GET", url(server.managementPort(), "/healthz"))).isEqualTo(200);
      assertThat(status("GET", url(server.managementPort(), "/readyz"))).isEqualTo(200);
      assertThat(status("GET", url(server.managementPort(), "/ws"))).as("no WebSocket on the management port").isEqualTo(404);

      assertThat(status("POST", url(server.managementPort(), "/admin/drain"))).as("loopback, no token configured").isEqualTo(202);
      assertThat(status("GET", url(server.port(), "/readyz"))).isEqualTo(503);
      server.drained().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    }
  }

  @Test
  void offLoopbackAdminCallsNeedTheTokenAndMetricsStayReadable() throws Exception {
    ServerConfig config = ServerConfig.loopback("mgmt")
        .withManagement(new ManagementSettings("0.0.0.0", 0, Optional.of(TOKEN)));
    try (RoomcastServer server = RoomcastServer.start(config, new MemoryBroker(), Metrics.prometheus())) {
      URI drain = url(server.managementPort(), "/admin/drain");
      assertThat(status("POST", drain)).as("no token").isEqualTo(401);
      assertThat(post(drain, "Bearer wrong-token-of-some-length")).as("a wrong token").isEqualTo(401);
      assertThat(post(drain, "Bearer " + TOKEN.substring(1))).as("a prefix of the token").isEqualTo(401);
      assertThat(post(drain, "Basic " + TOKEN)).as("not a bearer token").isEqualTo(401);
      assertThat(status("GET", url(server.port(), "/readyz"))).as("refused calls did not drain").isEqualTo(200);
      assertThat(status("GET", url(server.managementPort(), "/metrics"))).isEqualTo(200);

      assertThat(post(drain, "Bearer " + TOKEN)).isEqualTo(202);
      assertThat(status("GET", url(server.port(), "/readyz"))).isEqualTo(503);
    }
  }

  @Test
  void aNonLoopbackManagementHostWithoutATokenIsAConfigurationErrorNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("roomcast.management.host", "0.0.0.0"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("roomcast.management.token must be set when roomcast.management.host is not a loopback address, "
            + "got 0.0.0.0 and no token");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("roomcast.management.host", "0.0.0.0",
        "roomcast.management.token", "short"), Map.of()))
        .hasMessage("roomcast.management.token must be at least 16 characters, got 5");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("roomcast.management.port", "8080"), Map.of()))
        .hasMessage("roomcast.management.port must differ from roomcast.port, got 8080");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("roomcast.management.port", "70000"), Map.of()))
        .hasMessage("roomcast.management.port must be between 0 and 65535, got 70000");
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("roomcast.management.host", "0.0.0.0",
        "roomcast.management.token", TOKEN), Map.of()).management().token()).hasValue(TOKEN);
    ManagementSettings defaults = ConfigLoader.load(Optional.empty(), Map.of(), Map.of()).management();
    assertThat(defaults).isEqualTo(new ManagementSettings("127.0.0.1", 9091, Optional.empty()));
  }

  @Test
  void managementPathsAreRecognisedInEverySpelling() {
    assertThat(List.of("/metrics", "/METRICS", "//metrics", "/metrics/", "/metrics;a=b", "/admin", "/admin/drain",
        "/ADMIN//drain", "/admin;x/drain")).allMatch(ManagementPaths::isManagement);
    assertThat(List.of("/", "/ws", "/readyz", "/metricsx", "/administrator", "/api/v1/rooms/admin/messages"))
        .noneMatch(ManagementPaths::isManagement);
  }

  private static URI url(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static int status(String method, URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int post(URI uri, String authorization) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", authorization)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
