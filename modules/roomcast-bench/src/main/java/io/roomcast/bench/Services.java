package io.roomcast.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes a benchmark starts: roomcast nodes (the fat jar, each in its own JVM) and a Redis
 * server, on free loopback ports. Each is stopped by its own PID when the benchmark ends.
 */
final class Services implements AutoCloseable {
  private final List<Process> processes = new ArrayList<>();
  private final Path logs;

  Services(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
  }

  /** A node listening on a free port of 127.0.0.1. */
  record Node(long pid, int port) {}

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  Node node(String id, String jar, List<String> jvmOptions, String redisUri, Map<String, String> env) throws Exception {
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : jvmOptions) cmd.add(option.replace("{id}", id)); // e.g. a JFR file per node
    cmd.addAll(List.of("-jar", jar, "--host", "127.0.0.1", "--port", Integer.toString(port), "--node-id", id));
    if (redisUri != null) cmd.addAll(List.of("--redis", redisUri));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(id + ".log").toFile()));
    pb.environment().put("ROOMCAST_DEMO_TICKER", "false");
    // The benchmark's clients do not answer protocol pings: keep them out of the measured window.
    pb.environment().put("ROOMCAST_HEARTBEAT_INTERVAL", "1h");
    pb.environment().put("ROOMCAST_HEARTBEAT_TIMEOUT", "10m");
    pb.environment().put("ROOMCAST_LOG_LEVEL", "WARN");
    pb.environment().put("ROOMCAST_DRAIN_WINDOW", "1s");
    // A benchmark is a crowd from a few loopback addresses, publishing far above one client's fair share.
    pb.environment().put("ROOMCAST_CONNECTIONS_MAX_PER_ADDRESS", "19000");
    pb.environment().put("ROOMCAST_CONNECTIONS_PER_ADDRESS_PER_SECOND", "100000");
    pb.environment().put("ROOMCAST_CONNECTIONS_PER_ADDRESS_BURST", "100000");
    pb.environment().put("ROOMCAST_PUBLISH_RATE_PER_SECOND", "10000000");
    pb.environment().put("ROOMCAST_PUBLISH_RATE_BURST", "10000000");
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    awaitPort(port, p, Duration.ofSeconds(60));
    return new Node(p.pid(), port);
  }

  /** A Redis server without persistence; returns its URI. */
  String redis() throws Exception {
    int port = freePort();
    Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--protected-mode", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("redis.log").toFile()))
        .start();
    processes.add(p);
    awaitPort(port, p, Duration.ofSeconds(10));
    redisPid = p.pid();
    return "redis://127.0.0.1:" + port;
  }

  /** The Redis server's PID, once started; else -1. */
  long redisPid = -1;

  private static void awaitPort(int port, Process p, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) throw new IllegalStateException("process " + p.pid() + " exited with " + p.exitValue());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        p.waitFor(50, TimeUnit.MILLISECONDS);
      }
    }
    throw new IllegalStateException("nothing listens on " + port + " after " + timeout);
  }

  @Override
  public void close() {
    for (Process p : processes) p.destroy(); // SIGTERM to that PID: nodes drain, Redis exits
    for (Process p : processes) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
