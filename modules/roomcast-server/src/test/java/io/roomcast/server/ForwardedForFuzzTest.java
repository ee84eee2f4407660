package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the X-Forwarded-For walk over several header lines, against a plain
 * model of the rule (join the lines, split at commas, walk from the right, skip trusted hops) and
 * of the limiter's address key. Neither may throw; the answer is always an address literal, the
 * peer's own when the peer is not trusted.
 */
class ForwardedForFuzzTest {
  private static final TrustedProxies PROXIES = new TrustedProxies(List.of("10.0.0.0/8", "127.0.0.1", "2001:db8:ffff::/48"), false);
  private static final ClientAddresses CLIENTS = new ClientAddresses(PROXIES);
  private static final ConnectionLimiter LIMITER = new ConnectionLimiter(ConnectionLimits.defaults());
  private static final String[] PEERS = {"10.1.2.3", "127.0.0.1", "2001:db8:ffff::9", "203.0.113.5", "2001:db8:1::1"};

  @FuzzTest(maxDuration = "10m")
  void forwardedForLinesAreWalkedFromTheRight(FuzzedDataProvider data) throws Exception {
    InetAddress peer = InetAddress.getByName(PEERS[data.consumeInt(0, PEERS.length - 1)]);
    int count = data.consumeInt(0, 4);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) lines.add(data.consumeBoolean() ? null : data.consumeString(120));

    String client = CLIENTS.of(peer, lines);

    assertThat(client).isEqualTo(model(peer, lines));
    assertThat(TrustedProxies.Cidr.literal(client)).as("a literal address, never a name: %s", client).isNotNull();
    if (!CLIENTS.trusts(peer)) assertThat(client).isEqualTo(peer.getHostAddress());
    assertThat(LIMITER.key(client)).isNotNull();
  }

  /** The rule as docs/security.md states it, written as plainly as possible. */
  private static String model(InetAddress peer, List<String> lines) {
    if (!CLIENTS.trusts(peer)) return peer.getHostAddress();
    List<String> hops = new ArrayList<>();
    for (String line : lines) {
      if (line != null && !line.isBlank()) hops.addAll(Arrays.asList(line.split(",", -1)));
    }
    for (int i = hops.size() - 1, walked = 1; i >= 0; i--, walked++) {
      if (walked > ClientAddresses.MAX_HOPS) return peer.getHostAddress();
      InetAddress hop = TrustedProxies.Cidr.literal(hops.get(i).trim());
      if (hop == null) return peer.getHostAddress();
      if (!CLIENTS.trusts(hop)) return hop.getHostAddress();
    }
    return peer.getHostAddress();
  }
}
