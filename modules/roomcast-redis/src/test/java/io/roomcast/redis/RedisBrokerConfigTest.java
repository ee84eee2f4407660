package io.roomcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.core.RoomHistory;
import io.roomcast.redis.RedisBrokerConfig.Breaker;
import io.roomcast.redis.RedisBrokerConfig.Topology;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisBrokerConfigTest {
  @Test
  void theSchemePicksTheTopology() {
    assertThat(RedisBrokerConfig.defaults("redis://127.0.0.1:6379").topology()).isEqualTo(Topology.STANDALONE);
    assertThat(RedisBrokerConfig.defaults("rediss://h:1/0").topology()).isEqualTo(Topology.STANDALONE);
    assertThat(RedisBrokerConfig.defaults("redis-sentinel://h:1,h:2/0#mymaster").topology()).isEqualTo(Topology.SENTINEL);
    assertThat(RedisBrokerConfig.defaults("redis-cluster://h:1,h:2").topology()).isEqualTo(Topology.CLUSTER);
    assertThat(RedisBrokerConfig.defaults("rediss-cluster://h:1").topology()).isEqualTo(Topology.CLUSTER);
  }

  @Test
  void defaultsAreTheNamedConstants() {
    RedisBrokerConfig c = RedisBrokerConfig.defaults("redis://h:1");
    assertThat(c.keyPrefix()).isEqualTo(RedisBrokerConfig.DEFAULT_KEY_PREFIX);
    assertThat(c.commandTimeout()).isEqualTo(RedisBrokerConfig.DEFAULT_COMMAND_TIMEOUT);
    assertThat(c.history()).isEqualTo(RoomHistory.defaultHistory());
    assertThat(c.breaker().openDuration()).isEqualTo(Breaker.DEFAULT_OPEN_DURATION);
  }

  @Test
  void theUriProblemIsARuleTheLoaderCanPutAfterTheKey() {
    assertThat(RedisBrokerConfig.uriProblem("redis://h:6379")).isNull();
    assertThat(RedisBrokerConfig.uriProblem("redis-sentinel://h:26379#mymaster")).isNull();
    assertThat(RedisBrokerConfig.uriProblem("http://h:1")).isEqualTo(
        "must use one of the schemes redis://, rediss://, redis-socket://, redis-sentinel://, rediss-sentinel://, "
            + "redis-cluster://, rediss-cluster://");
    assertThat(RedisBrokerConfig.uriProblem("h:1")).isEqualTo("must start with a scheme such as redis://");
    assertThat(RedisBrokerConfig.uriProblem("redis-sentinel://h:1"))
        .isEqualTo("must name the master after # (redis-sentinel://host:26379#mymaster)");
    assertThat(RedisBrokerConfig.uriProblem("redis-cluster://")).isEqualTo("must name at least one host");
    assertThat(RedisBrokerConfig.uriProblem("redis://h:99999")).isEqualTo("must be a URI the Redis client can parse");
  }

  @Test
  void refusesWhatCannotWork() {
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("http://:secret@h:1"))
        .hasMessageStartingWith("uri must use one of the schemes redis://").hasMessageEndingWith(", got http://***@h:1");
    assertThatThrownBy(() -> new RedisBrokerConfig("redis://h:1", "a{b}:", RoomHistory.defaultHistory(),
        RedisBrokerConfig.DEFAULT_COMMAND_TIMEOUT, RedisBrokerConfig.DEFAULT_RESUBSCRIBE_INTERVAL, Breaker.defaults()))
        .hasMessage("keyPrefix must not contain '{' or '}', got a{b}:");
    assertThatThrownBy(() -> RedisBrokerConfig.defaults("redis://h:1").withCommandTimeout(Duration.ZERO))
        .hasMessageContaining("commandTimeout must be positive");
    assertThatThrownBy(() -> new Breaker(0, 10, 5, Duration.ofSeconds(1))).hasMessageContaining("failureRatePercent");
    assertThatThrownBy(() -> new Breaker(50, 10, 11, Duration.ofSeconds(1))).hasMessageContaining("minimumCalls");
  }

  @Test
  void offsetsOutliveTheHistoryTheyIndex() {
    assertThat(RedisBrokerConfig.metaTtl(new RoomHistory.Policy(10, Duration.ofHours(1)))).isEqualTo(RedisBrokerConfig.META_TTL);
    assertThat(RedisBrokerConfig.metaTtl(new RoomHistory.Policy(10, Duration.ofDays(90)))).isEqualTo(Duration.ofDays(90));
  }

  @Test
  void eachRoomGetsThePolicyOfItsLongestPrefix() {
    RedisBrokerConfig c = RedisBrokerConfig.defaults("redis://h:1").withHistory(new RoomHistory(
        new RoomHistory.Policy(5, Duration.ofMinutes(1)),
        Map.of("orders:", new RoomHistory.Policy(100, Duration.ofDays(7)), "orders:eu:", new RoomHistory.Policy(0, Duration.ofHours(1)))));
    assertThat(c.history().forRoom("orders:us").size()).isEqualTo(100);
    assertThat(c.history().forRoom("orders:eu:1").size()).isZero();
    assertThat(c.history().forRoom("chat").size()).isEqualTo(5);
  }

  @Test
  void neverPrintsThePassword() {
    RedisBrokerConfig c = RedisBrokerConfig.defaults("redis://:secret@h:1");
    assertThat(c.toString()).doesNotContain("secret").contains("***@h:1");
  }
}
