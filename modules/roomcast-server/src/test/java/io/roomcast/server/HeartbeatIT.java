package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.RoomcastClient;
import io.roomcast.core.Heartbeat;
import io.roomcast.core.MetricNames;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Heartbeats over a real socket: a client that went silent is cut off, one that answers stays. */
class HeartbeatIT {
  private static final Heartbeat FAST = new Heartbeat(Duration.ofMillis(400), Duration.ofMillis(200));

  @Test
  void aDeadClientIsCutOffWith4009AndALiveOneStays() throws Exception {
    try (TestNode node = TestNode.start(c -> c.withHeartbeat(FAST));
         RoomcastClient live = RoomcastClient.connect(node.ws());
         Socket dead = new Socket("127.0.0.1", node.server.port())) {
      // The dead client: a WebSocket handshake, then nothing, ever (it only reads what arrives).
      dead.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      dead.setSoTimeout(10_000);

      byte[] received = readUntilClosed(dead.getInputStream()); // ends when the node closes the TCP connection

      assertThat(new String(received, 0, 12, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
      assertThat(closeCode(received)).isEqualTo(4009);
      assertThat(node.count(MetricNames.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
      // The live client answered every ping meanwhile, and still does for a few more intervals.
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !live.closed().isDone());
      assertThat(node.count(MetricNames.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
    }
  }

  private static byte[] readUntilClosed(InputStream in) throws java.io.IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    int n;
    while ((n = in.read(buf)) >= 0) all.write(buf, 0, n);
    return all.toByteArray();
  }

  /** The status code of the close frame in what the node sent after its handshake response. */
  private static int closeCode(byte[] b) {
    int p = indexOfBody(b);
    while (p + 2 <= b.length) {
      int opcode = b[p] & 0x0f;
      int len = b[p + 1] & 0x7f;
      int h = 2;
      if (len == 126) {
        len = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
        h = 4;
      }
      if (opcode == 8) return ((b[p + h] & 0xff) << 8) | (b[p + h + 1] & 0xff);
      p += h + len;
    }
    throw new AssertionError("no close frame in what the node sent");
  }

  private static int indexOfBody(byte[] b) {
    for (int i = 3; i < b.length; i++) {
      if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') return i + 1;
    }
    throw new AssertionError("no handshake response");
  }
}
