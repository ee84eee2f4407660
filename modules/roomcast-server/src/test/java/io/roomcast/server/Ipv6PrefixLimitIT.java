package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.core.MetricNames;
import io.roomcast.testkit.RawWebSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Over real sockets, a client that rotates IPv6 addresses inside its /64 shares one budget. The
 * IPv6 clients reach the node through a trusted proxy's X-Forwarded-For (loopback has one IPv6
 * address only), which is how a public node behind haproxy or nginx sees them.
 */
class Ipv6PrefixLimitIT {
  @Test
  void addressesOfOneSlash64ShareABudgetAndAnotherSlash64HasItsOwn() throws Exception {
    try (TestNode node = TestNode.secured(s -> s
        .withProxies(new TrustedProxies(List.of("127.0.0.3"), false))
        .withConnections(new ConnectionLimits(1_000, 2, 1_000, 1_000, Duration.ofSeconds(10))));
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
