package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of the checks that run on a handshake's headers before any upgrade: the
 * handshake validator, the origin allowlist and the X-Forwarded-For walk. None may throw, and each
 * answer must agree with the rules it implements.
 */
class HandshakeFuzzTest {
  private static final OriginPolicy ORIGINS = OriginPolicy.of(List.of("https://app.example.com", "https://*.example.org"));
  private static final TrustedProxies PROXIES = new TrustedProxies(List.of("10.0.0.0/8", "::1"), false);

  @FuzzTest(maxDuration = "10m")
  void handshakeHeadersAreJudgedWithoutFailing(FuzzedDataProvider data) throws Exception {
    Map<String, String> headers = new HashMap<>();
    for (String name : List.of("upgrade", "connection", "sec-websocket-version", "sec-websocket-key")) {
      if (data.consumeBoolean()) headers.put(name, data.consumeString(64));
    }
    String origin = data.consumeBoolean() ? data.consumeString(80) : null;
    String host = data.consumeBoolean() ? data.consumeString(40) : null;
    String forwardedFor = data.consumeRemainingAsString();

    Optional<Rejection> verdict = HandshakeValidator.check(n -> headers.get(n.toLowerCase(Locale.ROOT)));
    if (verdict.isEmpty()) {
      assertThat(headers.get("sec-websocket-version").trim()).isEqualTo("13");
      assertThat(HandshakeValidator.validKey(headers.get("sec-websocket-key"))).isTrue();
    } else {
      assertThat(verdict.get().status).isIn(400, 426);
    }

    if (ORIGINS.allows(origin, host) && origin != null && !sameAuthority(origin, host)) {
      String o = origin.toLowerCase(Locale.ROOT);
      assertThat(o.equals("https://app.example.com") || (o.startsWith("https://") && o.endsWith(".example.org"))).as(origin).isTrue();
    }

    String client = PROXIES.clientAddress(InetAddress.getByName("10.1.2.3"), forwardedFor);
    assertThat(client).isNotNull();
    assertThat(TrustedProxies.Cidr.literal(client)).as("a literal address, never a name: %s", client).isNotNull();
  }

  private static boolean sameAuthority(String origin, String host) {
    return host != null && !host.isEmpty() && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
  }
}
