package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void badValuesStopTheNodeWithAMessageNamingTheSetting() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_PORT", "eighty")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("roomcast.port", "70000"), Map.of()))
        .hasMessageContaining("port must be 0..65535");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(), Map.of("ROOMCAST_LIMITS_MAX_ROOMS", "0")))
        .hasMessageContaining("maxRooms must be positive");
    Path file = dir.resolve("typo.conf");
    Files.writeString(file, "roomcast.limits.max-romos = 3");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of(), Map.of()))
        .hasMessageContaining("unknown setting roomcast.limits.max-romos");
  }
}
