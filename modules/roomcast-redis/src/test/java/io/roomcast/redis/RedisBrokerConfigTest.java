package io.roomcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.redis.RedisBrokerConfig.Breaker;
import io.roomcast.redis.RedisBrokerConfig.History;
import io.roomcast.redis.RedisBrokerConfig.Topology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisBrokerConfigTest {
  @Test
  void theSchemePicksTheTopology() {
    assertThat(RedisBrokerConfig.defaults("redis://127.0.0.1:6379").topology()).isEqualTo(Topology.STANDALONE);
    assertThat(RedisBrokerConfig.defaults("rediss://h:1/0").topology()).isEqualTo(Topology.STANDALONE);
    assertThat(RedisBrokerConfig.defaults("redis-sentinel://h:1,h:2/0#mymaster").topology()).isEqualTo(Topology.SENTINEL);
    assertThat(RedisBrokerConfig.defaults("redis-cluster://h:1,h:2").topology()).isEqualTo(Topology.CLUSTER);
  }

  @Test
  void defaultsAreTheNamedConstants() {
    RedisBrokerConfig c = RedisBrokerConfig.defaults("redis://h:1");
    assertThat(c.keyPrefix()).isEqualTo(RedisBrokerConfig.DEFAULT_KEY_PREFIX);
    assertThat(c.commandTimeout()).isEqualTo(RedisBrokerConfig.DEFAULT_COMMAND_TIMEOUT);
    assertThat(c.history().maxLength()).isEqualTo(History.DEFAULT_MAX_LENGTH);
    assertThat(c.breaker().openDuration()).isEqualTo(Breaker.DEFAULT_OPEN_DURATION);
  }

  @Test
  void refusesWhatCannotWork() {
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("http://h:1")).hasMessageContaining("unknown uri scheme");
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("h:1")).hasMessageContaining("scheme");
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("redis-sentinel://h:1")).hasMessageContaining("master name");
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("redis://h:1").withKeyPrefix("a{b}:"))
        .hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("redis://h:1").withCommandTimeout(Duration.ZERO))
        .hasMessageContaining("commandTimeout must be positive");
    assertThatThrownBy(() -> new History(-1, Duration.ofSeconds(1), Duration.ofSeconds(1)))
        .hasMessageContaining("maxLength must not be negative");
    assertThatThrownBy(() -> new History(1, Duration.ofMillis(1500), Duration.ofSeconds(2)))
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> new History(1, Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .hasMessageContaining("metaTtl must not be shorter");
    assertThatThrownBy(() -> new Breaker(0, 10, 5, Duration.ofSeconds(1))).hasMessageContaining("failureRatePercent");
    assertThatThrownBy(() -> new Breaker(50, 10, 11, Duration.ofSeconds(1))).hasMessageContaining("minimumCalls");
  }

  @Test
  void neverPrintsThePassword() {
    RedisBrokerConfig c = RedisBrokerConfig.defaults("redis://:secret@h:1");
    assertThat(c.toString()).doesNotContain("secret").contains("***@h:1");
  }
}
