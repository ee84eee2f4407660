package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.roomcast.core.SubscribeRateLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** roomcast.subscribe-rate: its defaults, a file and the environment setting it, bad values named with key and value. */
class SubscribeRateConfigTest {
  @TempDir Path dir;

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    SecurityConfig s = ConfigLoader.load(Optional.empty(), Map.of(), Map.of()).security();
    assertThat(s.subscribeRate()).isEqualTo(new SubscribeRateLimits(20, 200)).isEqualTo(SubscribeRateLimits.defaults());
  }

  @Test
  void aFileAndTheEnvironmentSetIt() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "roomcast.subscribe-rate { per-second = 5, burst = 8 }");
    assertThat(ConfigLoader.load(Optional.of(file), Map.of(), Map.of()).security().subscribeRate())
        .isEqualTo(new SubscribeRateLimits(5, 8));
    assertThat(ConfigLoader.load(Optional.empty(), Map.of(),
        Map.of("ROOMCAST_SUBSCRIBE_RATE_PER_SECOND", "50", "ROOMCAST_SUBSCRIBE_RATE_BURST", "60")).security().subscribeRate())
        .isEqualTo(new SubscribeRateLimits(50, 60));
  }

  @Test
  void badValuesStopTheNodeNamingKeyAndValue() {
    assertThat(error(Map.of("ROOMCAST_SUBSCRIBE_RATE_PER_SECOND", "0")))
        .isEqualTo("roomcast.subscribe-rate.per-second must be at least 1, got 0");
    assertThat(error(Map.of("ROOMCAST_SUBSCRIBE_RATE_BURST", "0")))
        .isEqualTo("roomcast.subscribe-rate.burst must be at least 1, got 0");
    assertThat(error(Map.of("ROOMCAST_SUBSCRIBE_RATE_BURST", "10")))
        .isEqualTo("roomcast.subscribe-rate.burst must be at least roomcast.subscribe-rate.per-second (20), got 10");
  }

  private static String error(Map<String, String> env) {
    Throwable t = catchThrowable(() -> ConfigLoader.load(Optional.empty(), Map.of(), env));
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    return t.getMessage();
  }
}
