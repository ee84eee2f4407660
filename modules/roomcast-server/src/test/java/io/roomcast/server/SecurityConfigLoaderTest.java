package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.roomcast.core.PublishRateLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security settings of reference.conf, as a file or the environment gives them. */
class SecurityConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void byDefaultANodeIsOpenWithSafeOriginsAndLimits() {
    SecurityConfig s = ConfigLoader.load(Optional.empty(), Map.of(), Map.of()).security();
    assertThat(s.auth().keysConfigured()).isFalse();
    assertThat(s.auth().httpCredentialRequired()).isFalse();
    assertThat(s.origins()).isEqualTo(OriginPolicy.defaults());
    assertThat(s.connections()).isEqualTo(ConnectionLimits.defaults());
    assertThat(s.publishRate()).isEqualTo(PublishRateLimits.defaults());
    assertThat(s.proxies()).isEqualTo(TrustedProxies.none());
    assertThat(s.tls()).isEmpty();
  }

  @Test
  void listsComeAsListsFromAFileAndCommaSeparatedFromTheEnvironment() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "roomcast.auth { hmac-secret = \"" + Tokens.SECRET + "\", anonymous = true, anonymous-subscribe = [\"public:*\"] }\n"
        + "roomcast.origins.allowed = [\"https://app.example.com\"]\nroomcast.connections.handshake-timeout = 3s");
    Map<String, String> env = Map.of("ROOMCAST_PROXIES_TRUSTED", "10.0.0.0/8, 127.0.0.1", "ROOMCAST_AUTH_API_KEYS", "key-number-one-0123,key-number-two-0123");

    SecurityConfig s = ConfigLoader.load(Optional.of(file), Map.of(), env).security();

    assertThat(s.auth().keysConfigured()).isTrue();
    assertThat(s.auth().anonymousRooms().canSubscribe("public:news")).isTrue();
    assertThat(s.auth().apiKeys()).containsExactly("key-number-one-0123", "key-number-two-0123");
    assertThat(s.origins().allowed()).containsExactly("https://app.example.com");
    assertThat(s.proxies().cidrs()).containsExactly("10.0.0.0/8", "127.0.0.1");
    assertThat(s.connections().handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void mistakesStopTheNodeWithAMessageThatNamesThem() {
    assertThat(error(Map.of("ROOMCAST_AUTH_HMAC_SECRET", "short")))
        .isEqualTo("roomcast.auth.hmac-secret must be at least 32 bytes, got 5 bytes"); // the secret itself is not printed
    assertThat(error(Map.of("ROOMCAST_AUTH_API_KEYS", "key-number-one-0123,tiny")))
        .isEqualTo("roomcast.auth.api-keys must each be at least 16 characters, got 4 characters");
    assertThat(error(Map.of("ROOMCAST_TLS_CERTIFICATE", "/x.pem")))
        .isEqualTo("roomcast.tls.certificate and roomcast.tls.private-key go together, got only the certificate");
    assertThat(error(Map.of("ROOMCAST_TLS_KEYSTORE", "/x.p12", "ROOMCAST_TLS_PROTOCOLS", "TLSv1.1")))
        .isEqualTo("roomcast.tls.protocols must list some of TLSv1.3, TLSv1.2, got [TLSv1.1]");
    assertThat(error(Map.of("ROOMCAST_ORIGINS_ALLOWED", "example.com")))
        .isEqualTo("roomcast.origins.allowed: an allowed origin must start with http:// or https://: example.com");
    assertThat(error(Map.of("ROOMCAST_AUTH_ANONYMOUS_SUBSCRIBE", "a*b")))
        .isEqualTo("roomcast.auth.anonymous-subscribe must hold exact room names, prefixes ending in *, or *, each once, got [a*b]");
    assertThat(error(Map.of("ROOMCAST_PROXIES_TRUSTED", "10.0.0.0/33")))
        .isEqualTo("roomcast.proxies.trusted: prefix length out of range: 10.0.0.0/33");
    assertThat(error(Map.of("ROOMCAST_CONNECTIONS_HANDSHAKE_TIMEOUT", "0s")))
        .isEqualTo("roomcast.connections.handshake-timeout must be at least 1ms, got 0s");
  }

  private static String error(Map<String, String> env) {
    Throwable t = catchThrowable(() -> ConfigLoader.load(Optional.empty(), Map.of(), env));
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    return t.getMessage();
  }
}
