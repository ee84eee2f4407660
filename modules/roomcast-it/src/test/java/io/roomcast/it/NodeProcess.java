package io.roomcast.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A roomcast node as ops run it: the fat jar in its own JVM, on a fixed port so that a restart comes
 * back where the load balancer expects it. Output goes to a log file kept for the test's report.
 */
final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String name;
  final int port;
  private final String redisUri;
  private final Path log;
  private final List<String> extraArgs;
  /** The running JVM; replaced by {@link #start()}. */
  private volatile Process process;

  private NodeProcess(String name, int port, String redisUri, List<String> extraArgs) throws IOException {
    this.name = name;
    this.port = port;
    this.redisUri = redisUri;
    this.extraArgs = extraArgs;
    this.log = Files.createTempFile("roomcast-" + name + "-", ".log");
  }

  /** Starts a node and waits until it is ready. */
  static NodeProcess start(String name, String redisUri, String... extraArgs) throws IOException {
    NodeProcess node = new NodeProcess(name, Ports.free(), redisUri, List.of(extraArgs));
    node.start();
    return node;
  }

  /** (Re)starts the JVM on the same port and waits for /readyz. */
  void start() throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", System.getProperty("roomcast.jar"),
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--node-id", name, "--redis", redisUri));
    command.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("ROOMCAST_DRAIN_WINDOW", "2s");
    // Every test client comes from 127.0.0.1 (through haproxy, whose X-Forwarded-For the nodes trust):
    // the per-address limits that guard a public node would refuse a test's crowd.
    pb.environment().put("ROOMCAST_PROXIES_TRUSTED", "127.0.0.1");
    pb.environment().put("ROOMCAST_CONNECTIONS_MAX_PER_ADDRESS", "19000");
    pb.environment().put("ROOMCAST_CONNECTIONS_PER_ADDRESS_PER_SECOND", "10000");
    pb.environment().put("ROOMCAST_CONNECTIONS_PER_ADDRESS_BURST", "10000");
    pb.environment().put("ROOMCAST_DEMO_TICKER", "false");
    process = pb.start();
    awaitReady(Duration.ofSeconds(60));
  }

  void awaitReady(Duration timeout) {
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build();
    await().atMost(timeout).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .alias(name + " ready")
        .until(() -> {
          if (!process.isAlive()) throw new AssertionError(name + " exited: " + Files.readString(log));
          return HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        });
  }

  /** SIGKILL: a crash, no drain. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the node drains, then exits. Waits for the exit. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError(name + " did not exit after SIGTERM");
  }

  boolean alive() {
    return process.isAlive();
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  URI ws() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  URI http(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) kill();
  }
}
