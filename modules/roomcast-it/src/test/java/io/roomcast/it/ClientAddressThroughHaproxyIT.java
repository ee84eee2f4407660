package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.testkit.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client's address through the real haproxy with deploy/haproxy/haproxy.cfg, in front of a node
 * (the fat jar) that trusts exactly haproxy's address, 127.0.0.1, and takes 2 connections per
 * address. Clients come from 127.0.0.2 and 127.0.0.3 and write X-Forwarded-For lines of their own:
 * haproxy appends the real address after them, and the node counts the real one. Also: haproxy
 * answers 404 for every spelling of /admin and /metrics, as the node's public port does: they are
 * served on the node's management port only.
 */
class ClientAddressThroughHaproxyIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Process node;
  private static Process haproxy;
  private static int nodePort;
  private static int managementPort;
  private static int lbPort;
  private static Path nodeLog;
  private static Path lbLog;

  @BeforeAll
  static void start() throws Exception {
    nodePort = FreePorts.next();
    managementPort = FreePorts.next();
    nodeLog = Files.createTempFile("roomcast-xff-node-", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("roomcast.jar"),
        "--host", "127.0.0.1", "--port", Integer.toString(nodePort), "--node-id", "xff")
        .redirectErrorStream(true).redirectOutput(nodeLog.toFile());
    pb.environment().put("ROOMCAST_PROXIES_TRUSTED", "127.0.0.1"); // haproxy's address as the node sees it
    pb.environment().put("ROOMCAST_CONNECTIONS_MAX_PER_ADDRESS", "2");
    pb.environment().put("ROOMCAST_DEMO_TICKER", "false");
    pb.environment().put("ROOMCAST_MANAGEMENT_PORT", Integer.toString(managementPort));
    node = pb.start();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
      if (!node.isAlive()) throw new AssertionError("node exited: " + Files.readString(nodeLog));
      return status("GET", URI.create("http://127.0.0.1:" + nodePort + "/readyz")) == 200;
    });

    lbPort = FreePorts.next();
    lbLog = Files.createTempFile("roomcast-xff-haproxy-", ".log");
    ProcessBuilder lb = new ProcessBuilder("haproxy", "-db", "-f",
        Path.of(System.getProperty("roomcast.deploy"), "haproxy", "haproxy.cfg").toString())
        .redirectErrorStream(true).redirectOutput(lbLog.toFile());
    lb.environment().put("ROOMCAST_LB_BIND", "127.0.0.1:" + lbPort);
    for (int i = 1; i <= 3; i++) lb.environment().put("ROOMCAST_NODE" + i, "127.0.0.1:" + nodePort); // one node, thrice
    haproxy = lb.start();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
      if (!haproxy.isAlive()) throw new AssertionError("haproxy exited: " + Files.readString(lbLog));
      return status("GET", lb("/readyz")) == 200; // haproxy has marked the node up
    });
  }

  @AfterAll
  static void stop() throws Exception {
    for (Process p : new Process[] {haproxy, node}) {
      if (p == null) continue;
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }

  @Test
  void aForgedXForwardedForDoesNotEscapeTheClientsPerAddressLimit() throws Exception {
    List<Socket> open = new ArrayList<>();
    try {
      assertThat(handshake("127.0.0.2", open, "X-Forwarded-For: 198.51.100.1")).isEqualTo(101);
      assertThat(handshake("127.0.0.2", open, "X-Forwarded-For: 198.51.100.2", "X-Forwarded-For: 10.0.0.9")).isEqualTo(101);
      assertThat(handshake("127.0.0.2", open, "X-Forwarded-For: 198.51.100.3, 127.0.0.1"))
          .as("a third connection from 127.0.0.2, whatever it claims").isEqualTo(429);
      assertThat(handshake("127.0.0.2", open)).isEqualTo(429);
      assertThat(handshake("127.0.0.3", open, "X-Forwarded-For: 127.0.0.2")).as("another real client has its own budget").isEqualTo(101);
      assertThat(handshake("127.0.0.3", open)).isEqualTo(101);
      assertThat(handshake("127.0.0.3", open, "X-Forwarded-For: 203.0.113.50")).isEqualTo(429);
    } finally {
      for (Socket s : open) s.close();
    }
  }

  @Test
  void adminAndMetricsAreNotReachableThroughHaproxyInAnySpelling() throws Exception {
    for (String path : List.of("/metrics", "/metrics/", "/metrics;x=1", "//metrics", "/%6detrics", "/METRICS", "/admin/drain",
        "/admin/drain/", "/admin/drain;x", "//admin/drain", "/%61dmin/drain", "/admin%2Fdrain")) {
      assertThat(status("GET", lb(path))).as("GET " + path).isEqualTo(404);
      assertThat(status("POST", lb(path))).as("POST " + path).isEqualTo(404);
    }
    assertThat(status("GET", lb("/readyz"))).as("the node did not drain").isEqualTo(200);
    assertThat(status("GET", lb("/healthz"))).isEqualTo(200);
    assertThat(status("GET", URI.create("http://127.0.0.1:" + nodePort + "/metrics"))).as("nor on the node's public port").isEqualTo(404);
    assertThat(status("GET", URI.create("http://127.0.0.1:" + managementPort + "/metrics"))).as("the management port serves them").isEqualTo(200);
  }

  private static URI lb(String path) {
    return URI.create("http://127.0.0.1:" + lbPort + path);
  }

  private static int status(String method, URI uri) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** A WebSocket handshake through haproxy from {@code from}; the socket stays open (in {@code open}) when it upgrades. */
  private static int handshake(String from, List<Socket> open, String... headers) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress("127.0.0.1", lbPort), 5_000);
    s.setSoTimeout(10_000);
    StringBuilder req = new StringBuilder("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: roomcast.v1.proto\r\n");
    for (String h : headers) req.append(h).append("\r\n");
    s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    int status = Integer.parseInt(readHead(s.getInputStream()).substring(9, 12));
    if (status == 101) {
      open.add(s);
    } else {
      s.close();
    }
    return status;
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new IOException("closed after " + head);
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
