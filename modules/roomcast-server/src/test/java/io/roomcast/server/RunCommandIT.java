package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.RoomcastClient;
import io.roomcast.testkit.FreePorts;
import io.roomcast.testkit.Inbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's run command, as a user types it: the fat jar starts a node that serves clients. */
class RunCommandIT {
  @Test
  void theFatJarStartsANodeWhereTwoClientsExchangeMessages() throws Exception {
    Path jar = Path.of("target/roomcast-server.jar");
    assertThat(jar).exists();
    int port = FreePorts.next();
    Path log = Files.createTempFile("roomcast-node", ".log");
    ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), "--port", Integer.toString(port));
    run.environment().put("ROOMCAST_MANAGEMENT_PORT", Integer.toString(FreePorts.next()));
    Process node = run.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

      URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
      try (RoomcastClient a = RoomcastClient.connect(ws); RoomcastClient b = RoomcastClient.connect(ws)) {
        Inbox inbox = new Inbox();
        b.subscribe("lobby", inbox).join();
        a.publish("lobby", "hi from the jar").join();
        inbox.awaitText("hi from the jar");

        node.destroy(); // SIGTERM: the node drains, telling clients to reconnect elsewhere, then exits
        var closed = b.closed().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(closed.code()).isEqualTo(1001);
        assertThat(closed.reconnectAdvised()).isTrue();
        assertThat(node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("node exits after draining").isTrue();
      }
    } finally {
      node.destroy(); // SIGTERM: the node shuts down through its hook
      if (!node.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) node.destroyForcibly();
      System.out.println(Files.readString(log));
    }
    assertThat(Files.readString(log)).contains("listening on");
  }

  @Test
  void aBadSettingStopsTheJarWithOneLineNamingItAndStatus2() throws Exception {
    // A fractional TTL with Redis once passed the loader and failed later, as a stack trace.
    ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target/roomcast-server.jar").toString(), "--port", "0", "--redis", "redis://127.0.0.1:1");
    run.environment().put("ROOMCAST_HISTORY_TTL", "1500ms");
    Path err = Files.createTempFile("roomcast-node", ".err");
    Process node = run.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("node exits at once").isTrue();
      assertThat(node.exitValue()).isEqualTo(Main.BAD_CONFIGURATION);
      assertThat(Files.readString(err)).isEqualTo("roomcast-server: bad configuration: roomcast.history.ttl must be whole seconds "
          + "(Redis expires keys by the second), got 1500ms" + System.lineSeparator());
    } finally {
      node.destroyForcibly();
    }
  }

  @Test
  void aManagementPortOffLoopbackWithoutATokenStopsTheJarWithOneLineNamingTheKey() throws Exception {
    ProcessBuilder run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target/roomcast-server.jar").toString(), "--port", "0");
    run.environment().put("ROOMCAST_MANAGEMENT_HOST", "0.0.0.0");
    run.environment().put("ROOMCAST_MANAGEMENT_PORT", "0");
    Path err = Files.createTempFile("roomcast-node", ".err");
    Process node = run.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(node.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("node exits at once").isTrue();
      assertThat(node.exitValue()).isEqualTo(Main.BAD_CONFIGURATION);
      assertThat(Files.readString(err)).isEqualTo("roomcast-server: bad configuration: roomcast.management.token must be set "
          + "when roomcast.management.host is not a loopback address, got 0.0.0.0 and no token" + System.lineSeparator());
    } finally {
      node.destroyForcibly();
    }
  }
}
