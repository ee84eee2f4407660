package io.roomcast.server;

import io.roomcast.core.RoomHistory;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Which broker a node runs on and what it keeps.
 *
 * @param redis the Redis URI (redis://, rediss://, redis-sentinel://, redis-cluster://, ...: what
 *     {@link io.roomcast.redis.RedisBrokerConfig#uriProblem} accepts); empty for the in-memory broker
 * @param keyPrefix put before every Redis key and channel of roomcast
 * @param commandTimeout the longest one Redis command may take before it fails as unavailable
 * @param history how much of each room is kept for recovery, by room-name prefix
 */
public record BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, RoomHistory history) {
  public BrokerSettings {
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("command timeout must be positive: " + commandTimeout);
    }
    Objects.requireNonNull(history, "history");
  }
}
