package io.roomcast.bench;

import io.roomcast.testkit.FreePorts;
import io.roomcast.testkit.NodeProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes a benchmark starts: roomcast nodes (the testkit's {@link NodeProcess}: the fat jar,
 * each in its own JVM), processes of the Node.js baseline ({@link BaselineProcess}) and a Redis server, on free loopback ports. Each is stopped by its own handle
 * when the benchmark ends.
 */
final class Services implements AutoCloseable {
  /** What a benchmark's nodes run with, on top of the testkit's defaults. */
  private static final Map<String, String> BENCH_ENV = Map.of(
      // The benchmark's clients do not answer protocol pings: keep them out of the measured window.
      "ROOMCAST_HEARTBEAT_INTERVAL", "1h",
      "ROOMCAST_HEARTBEAT_TIMEOUT", "10m",
      "ROOMCAST_LOG_LEVEL", "WARN",
      "ROOMCAST_DRAIN_WINDOW", "1s",
      // A benchmark is a crowd from a few loopback addresses, publishing far above one client's fair share.
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_PER_SECOND", "100000",
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_BURST", "100000",
      "ROOMCAST_PUBLISH_RATE_PER_SECOND", "10000000",
      "ROOMCAST_PUBLISH_RATE_BURST", "10000000");

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<BaselineProcess> baselines = new ArrayList<>();
  private final Path logs;
  /** The Redis server, once started; else null. */
  private Process redis;

  Services(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
  }

  /** A node listening on a free port of 127.0.0.1, ready; {@code env} on top of the benchmark's. */
  NodeProcess node(String id, String jar, List<String> jvmOptions, String redisUri, Map<String, String> env) {
    Map<String, String> all = new HashMap<>(BENCH_ENV);
    all.putAll(env);
    NodeProcess node = new NodeProcess(id, jar, jvmOptions, redisUri == null ? List.of() : List.of("--redis", redisUri),
        all, logs.resolve(id + ".log"));
    nodes.add(node); // before start: a node that fails to become ready is still stopped by close()
    return node.start();
  }

  /** A process of the Node.js baseline in {@code dir}, listening on a free port of 127.0.0.1, against Redis at {@code redisUri}. */
  BaselineProcess baseline(String id, Path dir, String redisUri) throws Exception {
    BaselineProcess p = BaselineProcess.start(dir, redisUri, logs.resolve(id + ".log"));
    baselines.add(p);
    return p;
  }

  /** A Redis server without persistence; returns its URI. */
  String redis() throws Exception {
    int port = FreePorts.next();
    redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--protected-mode", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("redis.log").toFile()))
        .start();
    awaitPort(port, redis, Duration.ofSeconds(10));
    return "redis://127.0.0.1:" + port;
  }

  /** The Redis server's PID, once started; else -1. */
  long redisPid() {
    return redis == null ? -1 : redis.pid();
  }

  static void awaitPort(int port, Process p, Duration timeout) throws Exception {
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
    try {
      for (NodeProcess node : nodes) {
        try {
          if (node.alive()) node.stop(); // SIGTERM to that PID: the node drains, then exits
        } catch (AssertionError stuck) {
          node.close();
        }
      }
      for (BaselineProcess b : baselines) b.stop();
      if (redis != null) {
        redis.destroy();
        if (!redis.waitFor(15, TimeUnit.SECONDS)) redis.destroyForcibly();
      }
    } catch (InterruptedException e) {
      for (NodeProcess node : nodes) ProcessHandle.of(node.pid()).ifPresent(ProcessHandle::destroyForcibly);
      for (BaselineProcess b : baselines) ProcessHandle.of(b.pid()).ifPresent(ProcessHandle::destroyForcibly);
      if (redis != null) redis.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
