package io.roomcast.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.NodeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.UnaryOperator;

/** A node in this JVM on a free loopback port, with the in-memory broker. */
final class TestNode implements AutoCloseable {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final RoomcastServer server;
  final HttpClient http = HttpClient.newHttpClient();

  /** Tests' nodes drain in 300 ms, so drain tests do not wait on the production window. */
  private TestNode(ServerConfig config) {
    server = RoomcastServer.start(config.withDrainWindow(java.time.Duration.ofMillis(300)), new MemoryBroker(), registry);
  }

  static TestNode start() {
    return start(UnaryOperator.identity());
  }

  static TestNode start(UnaryOperator<NodeConfig> tweak) {
    ServerConfig config = ServerConfig.loopback("it");
    return new TestNode(config.withNode(tweak.apply(config.node())));
  }

  /** A new node on the port a stopped one used: a restart, as its clients see it. */
  static TestNode onPort(int port) {
    return new TestNode(ServerConfig.loopback("it").withPort(port));
  }

  /** A node whose security settings {@code tweak} changes from the defaults. */
  static TestNode secured(UnaryOperator<SecurityConfig> tweak) {
    ServerConfig config = ServerConfig.loopback("it");
    return new TestNode(config.withSecurity(tweak.apply(config.security())));
  }

  int port() {
    return server.port();
  }

  URI ws() {
    return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
  }

  /** {@code path} on the management port (/admin/*, /metrics). */
  URI management(String path) {
    return URI.create("http://127.0.0.1:" + server.managementPort() + path);
  }

  URI http(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(http(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(http(path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  double count(String metric, String... tags) {
    var search = registry.find(metric);
    if (tags.length > 0) search = search.tags(tags);
    return search.counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  /** Waits until {@code metric} (with {@code tags}) has counted {@code expected}, failing with what it counted. */
  void awaitCount(String metric, double expected, String... tags) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .alias(metric + " " + java.util.Arrays.toString(tags) + " = " + expected + ", counted " + count(metric, tags))
        .until(() -> count(metric, tags) == expected);
  }

  @Override
  public void close() {
    server.close();
  }
}
