package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.core.Payload;
import io.roomcast.core.SessionLimits;
import io.roomcast.testkit.RawWebSocket;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The lean write path (roomcast frames messages and writes them straight to the socket) next to
 * Undertow's own control frames on the same socket, over a bare socket that reads frames strictly.
 */
class LeanWritesIT {
  private static final int MESSAGES = 200;
  private static final int PAYLOAD = 30_000;
  /** Room enough queued for the whole burst: the client is slow on purpose, not a slow consumer. */
  private static final SessionLimits ROOMY = new SessionLimits(65_536, 65_000, 100, 128, 128, 64 << 20, 8_192, 65_536);

  @Test
  void aPongAskedForWhileAMessageIsPartWrittenLeavesAfterItNotInsideIt() throws Exception {
    try (TestNode node = TestNode.start(c -> c.withLimits(ROOMY, 1000)); Socket s = new Socket()) {
      s.setReceiveBufferSize(4096); // the node's writes stall once the kernel buffers fill
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port()), 5_000);
      s.setSoTimeout(10_000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      out.write(RawWebSocket.handshakeFor("roomcast.v1.json", "/ws").getBytes(StandardCharsets.ISO_8859_1));
      assertThat(readHead(in)).startsWith("HTTP/1.1 101");
      out.write(RawWebSocket.frame(true, 0x1, true, "{\"id\":1,\"subscribe\":{\"room\":\"big\"}}".getBytes(StandardCharsets.UTF_8)));
      while (!readFrame(in).text.contains("\"subscribed\"")) {
        // the connected frame comes first
      }

      for (int k = 0; k < MESSAGES; k++) {
        String payload = "#" + k + ";" + "x".repeat(PAYLOAD);
        node.server.node().publish("big", Payload.text(payload)).toCompletableFuture().join();
      }
      // Frames queue behind a write only while it is in flight: the socket has not taken that message whole.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> queuedBytes(node) > 0);
      out.write(RawWebSocket.frame(true, 0x9, true, "p1".getBytes(StandardCharsets.US_ASCII)));

      List<Integer> seen = new ArrayList<>();
      boolean ponged = false;
      while (seen.size() < MESSAGES || !ponged) {
        Frame f = readFrame(in); // fails if a pong's bytes landed inside a message (not UTF-8, lengths astray)
        if (f.opcode == 0xA) {
          assertThat(f.text).isEqualTo("p1");
          ponged = true;
          continue;
        }
        assertThat(f.opcode).isEqualTo(0x1);
        for (String line : f.text.split("\n")) {
          int at = line.indexOf("\"#");
          if (at >= 0) seen.add(Integer.parseInt(line.substring(at + 2, line.indexOf(';', at))));
        }
      }
      List<Integer> expected = new ArrayList<>();
      for (int k = 0; k < MESSAGES; k++) expected.add(k);
      assertThat(seen).isEqualTo(expected);
    }
  }

  private static double queuedBytes(TestNode node) {
    var gauge = node.registry.find(MetricNames.OUTBOUND_QUEUED_BYTES).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private record Frame(int opcode, String text) {}

  /** One server frame, strictly: final, no RSV bits (no extension negotiated), unmasked, its payload valid UTF-8. */
  private static Frame readFrame(DataInputStream in) throws Exception {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    assertThat(b0 & 0xf0).as("FIN and no RSV bits in 0x%02x", b0).isEqualTo(0x80);
    assertThat(b1 & 0x80).as("server frames are unmasked").isZero();
    long len = b1 & 0x7f;
    if (len == 126) len = in.readUnsignedShort();
    else if (len == 127) len = in.readLong();
    assertThat(len).isLessThan(1 << 20);
    byte[] payload = new byte[(int) len];
    in.readFully(payload);
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload)).toString();
      return new Frame(b0 & 0x0f, text);
    } catch (CharacterCodingException e) {
      throw new AssertionError("a frame of " + len + " bytes is not UTF-8: something was written inside it", e);
    }
  }

  private static String readHead(DataInputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.readUnsignedByte());
    return head.toString();
  }
}
