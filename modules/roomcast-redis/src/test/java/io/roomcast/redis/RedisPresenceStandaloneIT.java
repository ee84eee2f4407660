package io.roomcast.redis;

import io.roomcast.core.Presence;
import io.roomcast.core.PresenceConfig;
import io.roomcast.core.PresenceContract;
import io.roomcast.core.PresenceEvent;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The presence contract on Redis (standalone): presence.lua, events on the rooms' channels, several nodes. */
class RedisPresenceStandaloneIT extends PresenceContract {
  private static StandaloneRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.standalone();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) redis.close();
  }

  @Override
  protected Presence newNode(String node, PresenceConfig config, Consumer<PresenceEvent> events, String... rooms) {
    return PresenceNodes.node(redis.uri(), node, config, events, rooms);
  }
}
