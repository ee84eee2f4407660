package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsComeFromReferenceConf() {
    ServerConfig c = ConfigLoader.load(Optional.empty(), Map.of(), Map.of());
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.broker().redis()).isEmpty();
    assertThat(c.node().roomLinger()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.node().limits().maxMessageBytes()).isEqualTo(65_536);
    assertThat(c.node().nodeId()).isNotBlank();
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "roomcast { port = 1111, node-id = from-file, limits.max-rooms = 7, room-linger = 2s }");
    Map<String, String> env = Map.of("ROOMCAST_PORT", "2222", "ROOMCAST_NODE_ID", "from-env", "UNRELATED", "x");

    ServerConfig c = ConfigLoader.load(Optional.of(file), Map.of("roomcast.port", "3333"), env);

    assertThat(c.port()).isEqualTo(3333);
    assertThat(c.node().nodeId()).isEqualTo("from-env");
    assertThat(c.node().limits().maxRooms()).isEqualTo(7);
    assertThat(c.node().roomLinger()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void everySettingHasAnEnvironmentVariable() {
    ServerConfig c = ConfigLoader.load(Optional.empty(), Map.of(),
        Map.of("ROOMCAST_LIMITS_MAX_QUEUED_BYTES", "2097152", "ROOMCAST_REDIS", "redis://127.0.0.1:7000"));
    assertThat(c.node().limits().maxQueuedBytes()).isEqualTo(2_097_152);
    assertThat(c.broker().redis()).hasValue("redis://127.0.0.1:7000");
  }

  @Test
  void historyCanBeSetPerRoomPrefix() throws Exception {
    Path file = dir.resolve("history.conf");
    Files.writeString(file, "roomcast.history.rooms = [{ prefix = \"orders:\", size = 5000, ttl = 7d }, "
        + "{ prefix = \"presence:\", size = 0, ttl = 1h }]");

    var history = ConfigLoader.load(Optional.of(file), Map.of(), Map.of()).broker().history();

    assertThat(history.forRoom("orders:eu").size()).isEqualTo(5000);
    assertThat(history.forRoom("orders:eu").ttl()).isEqualTo(Duration.ofDays(7));
    assertThat(history.forRoom("presence:lobby").size()).isZero();
    assertThat(history.forRoom("chat").size()).isEqualTo(1000);
  }

  @Test
  void bothBrokersKeepTheOneHistoryPolicyTheLoaderBuilds() {
    var settings = ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_HISTORY_SIZE", "7", "ROOMCAST_HISTORY_TTL", "90s"))
        .broker();
    assertThat(settings.history()).isEqualTo(io.roomcast.core.RoomHistory.uniform(7, Duration.ofSeconds(90)));
  }

  @Test
  void aValueOutOfBoundsIsNamedWithTheValueItGot() {
    assertThat(error(Map.of("ROOMCAST_LIMITS_MAX_ROOMS", "0"))).isEqualTo("roomcast.limits.max-rooms must be at least 1, got 0");
    assertThat(error(Map.of("ROOMCAST_PORT", "70000"))).isEqualTo("roomcast.port must be between 0 and 65535, got 70000");
    assertThat(error(Map.of("ROOMCAST_DEFLATE_LEVEL", "0"))).isEqualTo("roomcast.deflate.level must be between 1 and 9, got 0");
    assertThat(error(Map.of("ROOMCAST_HISTORY_SIZE", "-1"))).isEqualTo("roomcast.history.size must be at least 0, got -1");
    assertThat(error(Map.of("ROOMCAST_OUTBOUND_WRITE_DELAY", "2s")))
        .isEqualTo("roomcast.outbound.write-delay must be between 0s and 1s, got 2s");
  }

  @Test
  void aValueOfTheWrongKindIsNamedWithTheValueItGot() {
    assertThat(error(Map.of("ROOMCAST_PORT", "eighty"))).isEqualTo("roomcast.port must be a whole number, got eighty");
    assertThat(error(Map.of("ROOMCAST_DEMO_TICKER", "maybe"))).isEqualTo("roomcast.demo.ticker must be true or false, got maybe");
    assertThat(error(Map.of("ROOMCAST_OUTBOUND_SLOW_CONSUMER", "wait")))
        .isEqualTo("roomcast.outbound.slow-consumer must be one of disconnect, drop-oldest, got wait");
  }

  @Test
  void aDurationNeedsItsUnit() throws Exception {
    // Typesafe Config would read a bare number as milliseconds: "room-linger = 5" would linger 5 ms
    assertThat(error(Map.of("ROOMCAST_ROOM_LINGER", "5")))
        .isEqualTo("roomcast.room-linger must be a duration with a unit (500ms, 5s, 1m, 24h, 7d), got 5");
    assertThat(error(Map.of("ROOMCAST_CLOSE_TIMEOUT", "5 parsecs")))
        .isEqualTo("roomcast.close-timeout must be a duration with a unit (500ms, 5s, 1m, 24h, 7d), got 5 parsecs");
    Path file = dir.resolve("bare.conf");
    Files.writeString(file, "roomcast.history.ttl = 3600");
    assertThat(error(file)).isEqualTo("roomcast.history.ttl must be a duration with a unit (500ms, 5s, 1m, 24h, 7d), got 3600");
  }

  @Test
  void historyTtlsAreWholeSecondsAsRedisExpiresKeys() throws Exception {
    assertThat(error(Map.of("ROOMCAST_HISTORY_TTL", "1500ms")))
        .isEqualTo("roomcast.history.ttl must be whole seconds (Redis expires keys by the second), got 1500ms");
    assertThat(error(Map.of("ROOMCAST_HISTORY_TTL", "500ms"))).isEqualTo("roomcast.history.ttl must be at least 1s, got 500ms");
    Path file = dir.resolve("rooms.conf");
    Files.writeString(file, "roomcast.history.rooms = [{ prefix = \"a:\", size = 1, ttl = 1h }, { prefix = \"b:\", size = 1, ttl = 2.5s }]");
    assertThat(error(file))
        .isEqualTo("roomcast.history.rooms[1].ttl must be whole seconds (Redis expires keys by the second), got 2.5s");
  }

  @Test
  void historyRulesAreCheckedOneByOne() throws Exception {
    Path twice = dir.resolve("twice.conf");
    Files.writeString(twice, "roomcast.history.rooms = [{ prefix = \"a:\", size = 1, ttl = 1h }, { prefix = \"a:\", size = 2, ttl = 1h }]");
    assertThat(error(twice)).isEqualTo("roomcast.history.rooms[1].prefix must name a prefix once, got a:");
    Path typo = dir.resolve("typo.conf");
    Files.writeString(typo, "roomcast.history.rooms = [{ prefix = \"a:\", sise = 1, ttl = 1h }]");
    assertThat(error(typo)).isEqualTo("unknown setting roomcast.history.rooms[0].sise");
    Path missing = dir.resolve("missing.conf");
    Files.writeString(missing, "roomcast.history.rooms = [{ prefix = \"a:\", ttl = 1h }]");
    assertThat(error(missing)).isEqualTo("roomcast.history.rooms[0].size is missing");
  }

  @Test
  void theRedisUriIsOneTheBrokerAccepts() {
    assertThat(error(Map.of("ROOMCAST_REDIS", "http://:secret@h:6379"))).isEqualTo("roomcast.redis must use one of the schemes "
        + "redis://, rediss://, redis-socket://, redis-sentinel://, rediss-sentinel://, redis-cluster://, rediss-cluster://, "
        + "got http://***@h:6379");
    assertThat(error(Map.of("ROOMCAST_REDIS", "localhost:6379")))
        .isEqualTo("roomcast.redis must start with a scheme such as redis://, got localhost:6379");
    assertThat(error(Map.of("ROOMCAST_REDIS", "redis-sentinel://h:26379")))
        .isEqualTo("roomcast.redis must name the master after # (redis-sentinel://host:26379#mymaster), got redis-sentinel://h:26379");
    assertThat(error(Map.of("ROOMCAST_BROKER_KEY_PREFIX", "rc{1}:")))
        .isEqualTo("roomcast.broker.key-prefix must not contain '{' or '}', got rc{1}:");
    for (String uri : new String[] {"redis://h:6379/0", "rediss://h:6380", "redis-sentinel://h:26379,g:26379#main",
        "redis-cluster://h:7000,g:7001"}) {
      assertThat(ConfigLoader.load(Optional.empty(), Map.of("roomcast.redis", uri), Map.of()).broker().redis()).hasValue(uri);
    }
  }

  @Test
  void settingsThatDependOnEachOtherNameBothKeys() {
    assertThat(error(Map.of("ROOMCAST_LIMITS_MAX_QUEUED_FRAMES", "100")))
        .isEqualTo("roomcast.max-recovered must not exceed roomcast.limits.max-queued-frames (100), got 1000");
    assertThat(error(Map.of("ROOMCAST_LIMITS_MAX_PAYLOAD_BYTES", "70000")))
        .isEqualTo("roomcast.limits.max-payload-bytes must not exceed roomcast.limits.max-message-bytes (65536), got 70000");
    assertThat(error(Map.of("ROOMCAST_LIMITS_MAX_QUEUED_BYTES", "1000")))
        .isEqualTo("roomcast.limits.max-queued-bytes must be at least roomcast.limits.max-message-bytes (65536), got 1000");
    assertThat(error(Map.of("ROOMCAST_HEARTBEAT_INTERVAL", "10s")))
        .isEqualTo("roomcast.heartbeat.interval must be longer than roomcast.heartbeat.timeout (10s), got 10s");
    assertThat(error(Map.of("ROOMCAST_PUBLISH_RATE_BURST", "50")))
        .isEqualTo("roomcast.publish-rate.burst must be at least roomcast.publish-rate.per-second (100), got 50");
    // Lowered together, they fit: nothing is changed behind the user's back.
    ServerConfig c = ConfigLoader.load(Optional.empty(), Map.of(),
        Map.of("ROOMCAST_LIMITS_MAX_QUEUED_FRAMES", "100", "ROOMCAST_MAX_RECOVERED", "100"));
    assertThat(c.node().maxRecovered()).isEqualTo(100);
  }

  @Test
  void anUnknownKeyInTheFileIsNamed() throws Exception {
    Path file = dir.resolve("typo.conf");
    Files.writeString(file, "roomcast.limits.max-romos = 3");
    assertThat(error(file)).isEqualTo("unknown setting roomcast.limits.max-romos in " + file);
  }

  private String error(Map<String, String> env) {
    return message(() -> ConfigLoader.load(Optional.empty(), Map.of(), env));
  }

  private String error(Path file) {
    return message(() -> ConfigLoader.load(Optional.of(file), Map.of(), Map.of()));
  }

  private static String message(org.assertj.core.api.ThrowableAssert.ThrowingCallable load) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(load);
    assertThat(t).isInstanceOf(IllegalArgumentException.class);
    return t.getMessage();
  }
}
