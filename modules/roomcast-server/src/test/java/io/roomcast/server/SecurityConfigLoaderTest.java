package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_AUTH_HMAC_SECRET", "short")))
        .hasMessageContaining("hmac-secret must be at least 32 bytes");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_TLS_CERTIFICATE", "/x.pem")))
        .hasMessageContaining("tls.certificate and tls.private-key go together");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_TLS_KEYSTORE", "/x.p12", "ROOMCAST_TLS_PROTOCOLS", "TLSv1.1")))
        .hasMessageContaining("TLS protocol not allowed: TLSv1.1");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_ORIGINS_ALLOWED", "example.com")))
        .hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_AUTH_ANONYMOUS_SUBSCRIBE", "a*b")))
        .hasMessageContaining("invalid anonymous room grants");
  }
}
