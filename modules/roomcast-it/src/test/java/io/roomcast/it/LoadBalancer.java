package io.roomcast.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * haproxy (Debian's package) run with the very config ops deploy, {@code deploy/haproxy/haproxy.cfg},
 * its addresses given through the environment as that file documents.
 */
final class LoadBalancer implements AutoCloseable {
  final int port;
  private final Process process;
  private final Path log;

  private LoadBalancer(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  static LoadBalancer haproxy(List<NodeProcess> nodes) throws IOException {
    if (nodes.size() != 3) throw new IllegalArgumentException("deploy/haproxy/haproxy.cfg names three nodes");
    Path config = Path.of(System.getProperty("roomcast.deploy"), "haproxy", "haproxy.cfg");
    int port = Ports.free();
    Path log = Files.createTempFile("roomcast-haproxy-", ".log");
    ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("ROOMCAST_LB_BIND", "127.0.0.1:" + port);
    for (int i = 0; i < 3; i++) pb.environment().put("ROOMCAST_NODE" + (i + 1), nodes.get(i).address());
    Process p = pb.start();
    LoadBalancer lb = new LoadBalancer(port, p, log);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
      if (!p.isAlive()) throw new AssertionError("haproxy exited: " + Files.readString(log));
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
    return lb;
  }

  URI ws() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  URI http(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
