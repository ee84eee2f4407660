package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  private final TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.0/8", "192.0.2.1", "::1"), false);

  private String client(String peer, String xff) throws Exception {
    return proxies.clientAddress(InetAddress.getByName(peer), xff);
  }

  @Test
  void aTrustedProxyNamesTheClientAsTheRightmostUntrustedHop() throws Exception {
    assertThat(client("10.1.1.1", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(client("10.1.1.1", "6.6.6.6, 203.0.113.7, 10.2.2.2")).as("the client may write the left part").isEqualTo("203.0.113.7");
    assertThat(client("::1", "2001:db8::5")).isEqualTo("2001:db8:0:0:0:0:0:5");
  }

  @Test
  void anyoneElsesHeaderIsIgnored() throws Exception {
    assertThat(client("198.51.100.9", "203.0.113.7")).isEqualTo("198.51.100.9");
    assertThat(new TrustedProxies(List.of(), false).clientAddress(InetAddress.getByName("10.1.1.1"), "203.0.113.7")).isEqualTo("10.1.1.1");
  }

  @Test
  void garbageOrNamesInTheHeaderAreNeverResolvedAndLeaveTheProxyAsClient() throws Exception {
    assertThat(client("10.1.1.1", "example.com")).isEqualTo("10.1.1.1");
    assertThat(client("10.1.1.1", "999.1.1.1")).isEqualTo("10.1.1.1");
    assertThat(client("10.1.1.1", "")).isEqualTo("10.1.1.1");
    assertThat(TrustedProxies.Cidr.literal("cafe")).isNull();
  }

  @Test
  void aTypoInTheRangesStopsTheNodeAtStart() {
    assertThatThrownBy(() -> new TrustedProxies(List.of("10.0.0.0/33"), false)).hasMessageContaining("prefix length");
    assertThatThrownBy(() -> new TrustedProxies(List.of("proxy.internal"), false)).hasMessageContaining("not an IP address");
  }
}
