package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behind a proxy that speaks the PROXY protocol, limits apply to the client address it names. */
class ProxyProtocolIT {
  @Test
  void perAddressLimitsFollowTheAddressInTheProxyHeader() throws Exception {
    try (TestNode node = TestNode.secured(s -> s
        .withProxies(new TrustedProxies(List.of(), true))
        .withConnections(new ConnectionLimits(1_000, 1, 1_000, 1_000, Duration.ofSeconds(10))));
         RawWebSocket first = RawWebSocket.connect(node.port(), null);
         RawWebSocket second = RawWebSocket.connect(node.port(), null);
         RawWebSocket other = RawWebSocket.connect(node.port(), null)) {
      first.write("PROXY TCP4 203.0.113.9 127.0.0.1 40001 8080\r\n");
      second.write("PROXY TCP4 203.0.113.9 127.0.0.1 40002 8080\r\n");
      other.write("PROXY TCP4 203.0.113.10 127.0.0.1 40003 8080\r\n");

      assertThat(first.upgrade()).isEqualTo(101);
      assertThat(second.upgrade()).as("same client address, over its limit of 1").isEqualTo(429);
      assertThat(other.upgrade()).isEqualTo(101);
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "address_connections")).isEqualTo(1);
    }
  }
}
