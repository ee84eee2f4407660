package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A third-party client, Python {@code websockets} from Debian's python3-websockets, speaks the JSON
 * subprotocol with the exact frames of docs/protocol.md. Uses /usr/bin/python3 on purpose: that is
 * the interpreter Debian's package installs into (.ci/run installs it).
 */
class PythonJsonClientIT {
  @Test
  void pythonWebsocketsSubscribesPublishesAndReceivesOverJson() throws Exception {
    try (TestNode node = TestNode.start()) {
      Path script = Path.of("src/test/python/json_client.py");
      Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), node.ws().toString())
          .redirectErrorStream(true)
          .start();
      boolean finished = p.waitFor(60, TimeUnit.SECONDS);
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!finished) p.destroyForcibly();
      System.out.println(output);
      assertThat(finished).as("python client finished").isTrue();
      assertThat(p.exitValue()).as("python client exit status; its output:\n%s", output).isZero();
      assertThat(output).contains("<- {\"id\": 2, \"ack\": {\"offset\": \"1\"}}").endsWith("OK\n");
    }
  }
}
