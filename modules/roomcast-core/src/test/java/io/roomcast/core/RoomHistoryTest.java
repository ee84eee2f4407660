package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoomHistoryTest {
  @Test
  void aPolicyKeepsWholeSecondsAsRedisExpiresKeys() {
    assertThatThrownBy(() -> new RoomHistory.Policy(-1, Duration.ofSeconds(1)))
        .hasMessage("history size must not be negative: -1");
    assertThatThrownBy(() -> new RoomHistory.Policy(1, Duration.ofMillis(1500)))
        .hasMessage("history ttl must be whole seconds, at least 1s: PT1.5S");
    assertThatThrownBy(() -> new RoomHistory.Policy(1, Duration.ofMillis(500)))
        .hasMessage("history ttl must be whole seconds, at least 1s: PT0.5S");
  }
}
