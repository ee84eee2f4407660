package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * permessage-deflate with a third-party client: Debian's python3-websockets (/usr/bin/python3,
 * installed by .ci/run) negotiates it, gets a broadcast frame the node compressed once for all its
 * subscribers, and a decompression bomb it sends is refused with 1009.
 */
class DeflateIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void pythonWebsocketsNegotiatesDeflateAndTwoClientsShareOneCompressedFrame() throws Exception {
    try (TestNode node = TestNode.start(); Python listeners = Python.run(node, "listen", "2")) {
      String ext1 = listeners.awaitLine("extensions");
      String ext2 = listeners.awaitLine("extensions");
      listeners.awaitLine("subscribed");
      String big = "price of tea in china ".repeat(300); // 6,600 bytes: over deflate.min-size

      int status = node.post("/api/v1/rooms/big/messages", "text/plain; charset=utf-8", big.getBytes(StandardCharsets.UTF_8)).statusCode();

      assertThat(status).isBetween(200, 299);
      assertThat(listeners.awaitLine("message")).isEqualTo("message " + big.length());
      assertThat(listeners.awaitLine("message")).isEqualTo("message " + big.length());
      assertThat(ext1).contains("permessage-deflate").contains("server_no_context_takeover");
      assertThat(ext2).contains("permessage-deflate");
      assertThat(node.registry.find(MetricNames.DEFLATE_COMPRESSIONS).functionCounter().count()).isEqualTo(1);
    }
  }

  @Test
  void aDecompressionBombIsRefusedWith1009() throws Exception {
    try (TestNode node = TestNode.start(); Python bomber = Python.run(node, "bomb")) {
      assertThat(bomber.awaitLine("closed")).isEqualTo("closed 1009");
      org.awaitility.Awaitility.await().atMost(WAIT)
          .until(() -> node.count(MetricNames.FRAMES_MALFORMED, "reason", "too_big") == 1); // counted just after the close frame left
    }
  }

  /** The Python client as a process; its stdout lines are collected as they come. */
  private static final class Python implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuilder all = new StringBuilder();

    private Python(Process process) {
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            synchronized (all) {
              all.append(line).append('\n');
            }
            lines.add(line);
          }
        } catch (java.io.IOException e) {
          // the process ended
        }
      }, "python-client-output");
      reader.setDaemon(true);
      reader.start();
    }

    static Python run(TestNode node, String... args) throws Exception {
      java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("/usr/bin/python3", script().toString(), node.ws().toString()));
      cmd.addAll(java.util.List.of(args));
      return new Python(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    private static Path script() throws URISyntaxException {
      return Path.of(DeflateIT.class.getResource("/python/deflate_client.py").toURI());
    }

    /** The next line that starts with {@code prefix}, skipping others; fails with all output after {@link #WAIT}. */
    String awaitLine(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null && line.startsWith(prefix)) return line;
      }
      synchronized (all) {
        throw new AssertionError("no line starting with '" + prefix + "' from the Python client; it printed:\n" + all);
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    }
  }
}
