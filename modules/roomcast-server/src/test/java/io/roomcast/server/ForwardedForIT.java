package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-address limits follow X-Forwarded-For from a trusted proxy, and only from one. */
class ForwardedForIT {
  @Test
  void clientsBehindATrustedProxyAreLimitedOneByOneAndOthersCannotSpoofTheHeader() throws Exception {
    try (TestNode node = TestNode.secured(s -> s
        .withProxies(new TrustedProxies(List.of("127.0.0.3"), false))
        .withConnections(new ConnectionLimits(1_000, 2, 1_000, 1_000, Duration.ofSeconds(10))));
         RawWebSocket a1 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket a2 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket a3 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket b1 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket s1 = RawWebSocket.connect(node.port(), "127.0.0.4");
         RawWebSocket s2 = RawWebSocket.connect(node.port(), "127.0.0.4");
         RawWebSocket s3 = RawWebSocket.connect(node.port(), "127.0.0.4")) {
      assertThat(a1.upgrade("X-Forwarded-For: 203.0.113.7")).isEqualTo(101);
      assertThat(a2.upgrade("X-Forwarded-For: 203.0.113.7")).isEqualTo(101);
      assertThat(a3.upgrade("X-Forwarded-For: 203.0.113.7")).as("third from one client behind the proxy").isEqualTo(429);
      assertThat(b1.upgrade("X-Forwarded-For: 203.0.113.8")).as("another client behind the same proxy").isEqualTo(101);

      assertThat(s1.upgrade("X-Forwarded-For: 198.51.100.1")).isEqualTo(101);
      assertThat(s2.upgrade("X-Forwarded-For: 198.51.100.2")).isEqualTo(101);
      assertThat(s3.upgrade("X-Forwarded-For: 198.51.100.3")).as("an untrusted peer's header is ignored").isEqualTo(429);
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "address_connections")).isEqualTo(2);
    }
  }
}
