package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client behind trusted proxies, from every X-Forwarded-For line, walked from the right. */
class ClientAddressesTest {
  private final ClientAddresses clients = new ClientAddresses(new TrustedProxies(List.of("10.0.0.0/8", "2001:db8:ffff::/48"), false));

  private String client(String peer, String... lines) throws Exception {
    return clients.of(InetAddress.getByName(peer), Arrays.asList(lines));
  }

  @Test
  void aLineAppendedByTheProxyWinsOverTheLinesTheClientWrote() throws Exception {
    // haproxy's option forwardfor: the client's own header stays first, the proxy's line comes last.
    assertThat(client("10.0.0.2", "198.51.100.66", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(client("10.0.0.2", "198.51.100.66, 198.51.100.67", "10.9.9.9", "203.0.113.7, 10.1.1.1"))
        .as("trusted hops are skipped across lines").isEqualTo("203.0.113.7");
    assertThat(client("10.0.0.2", "198.51.100.66", "10.1.1.1, 10.2.2.2")).as("the client's line is reached only behind trusted hops")
        .isEqualTo("198.51.100.66");
  }

  @Test
  void anUntrustedPeerIsTheClientWhateverItWrites() throws Exception {
    assertThat(client("203.0.113.9", "198.51.100.66", "10.1.1.1")).isEqualTo("203.0.113.9");
    assertThat(new ClientAddresses(TrustedProxies.none()).of(InetAddress.getByName("10.0.0.2"), List.of("203.0.113.7")))
        .isEqualTo("10.0.0.2");
  }

  @Test
  void garbageBehindTheTrustedHopsLeavesThePeerAndBlankLinesNameNoHop() throws Exception {
    assertThat(client("10.0.0.2", "203.0.113.7", "not-an-address")).isEqualTo("10.0.0.2");
    assertThat(client("10.0.0.2", "203.0.113.7, ")).as("an empty hop").isEqualTo("10.0.0.2");
    assertThat(client("10.0.0.2", "203.0.113.7", "  ")).isEqualTo("203.0.113.7");
    assertThat(clients.of(InetAddress.getByName("10.0.0.2"), null)).isEqualTo("10.0.0.2");
    assertThat(clients.of(InetAddress.getByName("10.0.0.2"), Collections.singletonList(null))).isEqualTo("10.0.0.2");
  }

  @Test
  void ipv6ProxiesAndClients() throws Exception {
    assertThat(client("2001:db8:ffff::1", "2001:db8:1::5")).isEqualTo("2001:db8:1:0:0:0:0:5");
    assertThat(client("2001:db8:ffff::1", "2001:db8:1::5, 2001:db8:ffff::2")).isEqualTo("2001:db8:1:0:0:0:0:5");
  }

  @Test
  void aChainOfTrustedHopsLongerThanAnyRealOneIsNotWalked() throws Exception {
    String trustedHops = String.join(", ", Collections.nCopies(ClientAddresses.MAX_HOPS, "10.1.1.1"));
    assertThat(client("10.0.0.2", "203.0.113.7, " + trustedHops)).isEqualTo("10.0.0.2");
    String fewer = String.join(", ", Collections.nCopies(ClientAddresses.MAX_HOPS - 1, "10.1.1.1"));
    assertThat(client("10.0.0.2", "203.0.113.7, " + fewer)).isEqualTo("203.0.113.7");
  }
}
