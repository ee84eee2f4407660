package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings of issue 15: the HTTP publish rate, the IPv6 prefix of per-address limits, the JWKS refused-kid refresh. */
class AbuseLimitsConfigTest {
  @TempDir Path dir;

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    SecurityConfig s = ConfigLoader.load(Optional.empty(), Map.of(), Map.of()).security();
    assertThat(s.apiPublishRate()).isEqualTo(new ApiPublishRateLimits(1_000, 2_000));
    assertThat(s.connections().ipv6PrefixLength()).isEqualTo(64);
    assertThat(s.auth().jwksRefusedKidRefresh()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aFileAndTheEnvironmentSetThem() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "roomcast.api.publish-rate { per-second = 5, burst = 8 }\nroomcast.connections.ipv6-prefix-length = 56");
    SecurityConfig s = ConfigLoader.load(Optional.of(file), Map.of(), Map.of("ROOMCAST_AUTH_JWKS_REFUSED_KID_REFRESH", "2m")).security();
    assertThat(s.apiPublishRate()).isEqualTo(new ApiPublishRateLimits(5, 8));
    assertThat(s.connections().ipv6PrefixLength()).isEqualTo(56);
    assertThat(s.auth().jwksRefusedKidRefresh()).isEqualTo(Duration.ofMinutes(2));
    SecurityConfig env = ConfigLoader.load(Optional.empty(), Map.of(),
        Map.of("ROOMCAST_API_PUBLISH_RATE_PER_SECOND", "50", "ROOMCAST_API_PUBLISH_RATE_BURST", "50")).security();
    assertThat(env.apiPublishRate()).isEqualTo(new ApiPublishRateLimits(50, 50));
  }

  @Test
  void badValuesStopTheNodeNamingKeyAndValue() {
    assertThat(error(Map.of("ROOMCAST_API_PUBLISH_RATE_PER_SECOND", "0")))
        .isEqualTo("roomcast.api.publish-rate.per-second must be at least 1, got 0");
    assertThat(error(Map.of("ROOMCAST_API_PUBLISH_RATE_BURST", "10")))
        .isEqualTo("roomcast.api.publish-rate.burst must be at least roomcast.api.publish-rate.per-second (1000), got 10");
    assertThat(error(Map.of("ROOMCAST_CONNECTIONS_IPV6_PREFIX_LENGTH", "129")))
        .isEqualTo("roomcast.connections.ipv6-prefix-length must be between 1 and 128, got 129");
    assertThat(error(Map.of("ROOMCAST_CONNECTIONS_IPV6_PREFIX_LENGTH", "0")))
        .isEqualTo("roomcast.connections.ipv6-prefix-length must be between 1 and 128, got 0");
    assertThat(error(Map.of("ROOMCAST_AUTH_JWKS_REFUSED_KID_REFRESH", "100ms")))
        .isEqualTo("roomcast.auth.jwks-refused-kid-refresh must be at least 1s, got 100ms");
  }

  private static String error(Map<String, String> env) {
    Throwable t = catchThrowable(() -> ConfigLoader.load(Optional.empty(), Map.of(), env));
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    return t.getMessage();
  }
}
