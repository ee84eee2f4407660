package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-address limits follow X-Forwarded-For from a trusted proxy, and only from one. */
class ForwardedForIT {
  /** A node that trusts 127.0.0.3 as its proxy and allows two connections per client. */
  private static TestNode behindAProxy() {
    return TestNode.secured(s -> s
        .withProxies(new TrustedProxies(List.of("127.0.0.3"), false))
        .withConnections(new ConnectionLimits(1_000, 2, 1_000, 1_000, Duration.ofSeconds(10))));
  }

  @Test
  void clientsBehindATrustedProxyAreLimitedOneByOneAndOthersCannotSpoofTheHeader() throws Exception {
    try (TestNode node = behindAProxy();
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

  /**
   * A client rotating IPv6 addresses inside its /64 shares one budget. IPv6 clients come through the
   * trusted proxy's header (loopback has one IPv6 address), as a public node behind haproxy sees them.
   */
  @Test
  void addressesOfOneSlash64ShareABudgetAndAnotherSlash64HasItsOwn() throws Exception {
    try (TestNode node = behindAProxy();
         RawWebSocket a1 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket a2 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket a3 = RawWebSocket.connect(node.port(), "127.0.0.3");
         RawWebSocket b1 = RawWebSocket.connect(node.port(), "127.0.0.3")) {
      assertThat(a1.upgrade("X-Forwarded-For: 2001:db8:1:2::1")).isEqualTo(101);
      assertThat(a2.upgrade("X-Forwarded-For: 2001:db8:1:2:ffff::7")).isEqualTo(101);
      assertThat(a3.upgrade("X-Forwarded-For: 2001:db8:1:2:abcd:1234:5678:9abc"))
          .as("a third address of the same /64 is the same client").isEqualTo(429);
      assertThat(b1.upgrade("X-Forwarded-For: 2001:db8:1:3::1")).as("the next /64 is another client").isEqualTo(101);
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "address_connections")).isEqualTo(1);
    }
  }
}
