package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.RoomcastClient;
import io.roomcast.core.Heartbeat;
import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Heartbeats over a real socket: a client that went silent is cut off, one that answers stays. */
class HeartbeatIT {
  private static final Heartbeat FAST = new Heartbeat(Duration.ofMillis(400), Duration.ofMillis(200));

  @Test
  void aDeadClientIsCutOffWith4009AndALiveOneStays() throws Exception {
    try (TestNode node = TestNode.start(c -> c.withHeartbeat(FAST));
         RoomcastClient live = RoomcastClient.connect(node.ws());
         RawWebSocket dead = RawWebSocket.connect(node.port(), null)) {
      // The dead client: a WebSocket handshake, then nothing, ever (it only reads what arrives).
      assertThat(dead.upgrade()).isEqualTo(101);

      assertThat(dead.awaitCloseCode()).isEqualTo(4009);
      assertThat(dead.awaitEndOfStream()).as("the node closes the TCP connection").isTrue();
      assertThat(node.count(MetricNames.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
      // The live client answered every ping meanwhile, and still does for a few more intervals.
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !live.closed().isDone());
      assertThat(node.count(MetricNames.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
    }
  }
}
