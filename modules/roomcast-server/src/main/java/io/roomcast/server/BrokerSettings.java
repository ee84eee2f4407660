package io.roomcast.server;

import io.roomcast.core.RoomHistory;
import io.roomcast.redis.RedisBrokerConfig;
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
 * @param publishReplicas how many Redis replicas must hold a publish before it is acknowledged (WAIT); 0: the primary's word
 * @param idempotencyWindow how long a publish's idempotency key is remembered
 */
public record BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, RoomHistory history,
    int publishReplicas, Duration idempotencyWindow) {
  /** The settings before publish replicas and idempotency windows: those take the broker's defaults. */
  public BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, RoomHistory history) {
    this(redis, keyPrefix, commandTimeout, history, RedisBrokerConfig.DEFAULT_PUBLISH_REPLICAS,
        RedisBrokerConfig.DEFAULT_IDEMPOTENCY_WINDOW);
  }

  public BrokerSettings {
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("command timeout must be positive: " + commandTimeout);
    }
    Objects.requireNonNull(history, "history");
    if (publishReplicas < 0) throw new IllegalArgumentException("publish replicas must not be negative: " + publishReplicas);
    Objects.requireNonNull(idempotencyWindow, "idempotencyWindow");
  }
}
