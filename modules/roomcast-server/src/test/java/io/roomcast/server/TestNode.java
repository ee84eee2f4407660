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

  private TestNode(int port, UnaryOperator<NodeConfig> tweak) {
    ServerConfig config = ServerConfig.loopback("it").withPort(port).withDrainWindow(java.time.Duration.ofMillis(300));
    config = config.withNode(tweak.apply(config.node()));
    server = RoomcastServer.start(config, new MemoryBroker(), registry);
  }

  static TestNode start() {
    return new TestNode(0, UnaryOperator.identity());
  }

  static TestNode start(UnaryOperator<NodeConfig> tweak) {
    return new TestNode(0, tweak);
  }

  /** A new node on the port a stopped one used: a restart, as its clients see it. */
  static TestNode onPort(int port) {
    return new TestNode(port, UnaryOperator.identity());
  }

  URI ws() {
    return URI.create("ws://127.0.0.1:" + server.port() + "/ws");
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

  @Override
  public void close() {
    server.close();
  }
}
