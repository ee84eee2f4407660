package io.roomcast.it;

import static org.awaitility.Awaitility.await;

import io.roomcast.testkit.FreePorts;
import io.roomcast.testkit.NodeProcess;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A load balancer from Debian's packages run with the very config ops deploy: haproxy with
 * {@code deploy/haproxy/haproxy.cfg} (addresses through the environment, as that file documents), or
 * nginx with {@code deploy/nginx/roomcast.conf} (addresses substituted, nothing else changed).
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
    int port = FreePorts.next();
    Path log = Files.createTempFile("roomcast-haproxy-", ".log");
    ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("ROOMCAST_LB_BIND", "127.0.0.1:" + port);
    for (int i = 0; i < 3; i++) pb.environment().put("ROOMCAST_NODE" + (i + 1), nodes.get(i).address());
    return started(port, pb.start(), log, "haproxy");
  }

  /**
   * nginx with deploy/nginx/roomcast.conf included in a minimal main config whose files (pid, logs,
   * temp folders) live in a fresh prefix folder; only the listen address and the three node addresses
   * of the site file are replaced.
   */
  static LoadBalancer nginx(List<NodeProcess> nodes) throws IOException {
    if (nodes.size() != 3) throw new IllegalArgumentException("deploy/nginx/roomcast.conf names three nodes");
    int port = FreePorts.next();
    String site = Files.readString(Path.of(System.getProperty("roomcast.deploy"), "nginx", "roomcast.conf"));
    site = replaceOnce(site, "listen 8080;", "listen 127.0.0.1:" + port + ";");
    for (int i = 0; i < 3; i++) site = replaceOnce(site, "server node" + (i + 1) + ":8080", "server " + nodes.get(i).address());
    Path prefix = Files.createTempDirectory("roomcast-nginx-");
    // Workers may run as another user than the master: let them use the temp folders.
    Files.setPosixFilePermissions(prefix, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String dir : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      Path d = Files.createDirectories(prefix.resolve(dir));
      Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    }
    Files.writeString(prefix.resolve("roomcast.conf"), site);
    Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
        "daemon off;",
        "worker_processes 1;",
        "pid " + prefix.resolve("nginx.pid") + ";",
        "error_log stderr notice;",
        "events { worker_connections 4096; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + prefix.resolve("body") + ";",
        "  proxy_temp_path " + prefix.resolve("proxy") + ";",
        "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
        "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
        "  scgi_temp_path " + prefix.resolve("scgi") + ";",
        "  include " + prefix.resolve("roomcast.conf") + ";",
        "}", ""));
    Path log = prefix.resolve("nginx.log");
    ProcessBuilder pb = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(),
        "-e", "stderr").redirectErrorStream(true).redirectOutput(log.toFile());
    return started(port, pb.start(), log, "nginx");
  }

  private static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) {
      throw new IllegalStateException("deploy/nginx/roomcast.conf should contain '" + from + "' exactly once");
    }
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  private static LoadBalancer started(int port, Process p, Path log, String what) {
    LoadBalancer lb = new LoadBalancer(port, p, log);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
      if (!p.isAlive()) throw new AssertionError(what + " exited: " + Files.readString(log));
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      }
    });
    return lb;
  }

  String log() throws IOException {
    return Files.readString(log);
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
