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
 * @param publishReplicas replicas that must hold a publish before it is acknowledged (Redis WAIT)
 * @param idempotencyWindow how long Redis remembers a publish's idempotency key
 * @param probeInterval how often each Redis link carries a liveness probe
 * @param probeTimeout a probe slower than this marks the link dead and reconnects it
 */
public record BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, RoomHistory history,
    int publishReplicas, Duration idempotencyWindow, Duration probeInterval, Duration probeTimeout) {
  /** The settings before publish replicas, idempotency and probes: those take the Redis broker's defaults. */
  public BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, RoomHistory history) {
    this(redis, keyPrefix, commandTimeout, history, io.roomcast.redis.RedisBrokerConfig.DEFAULT_PUBLISH_REPLICAS,
        io.roomcast.redis.RedisBrokerConfig.DEFAULT_IDEMPOTENCY_WINDOW, io.roomcast.redis.RedisBrokerConfig.DEFAULT_PROBE_INTERVAL,
        io.roomcast.redis.RedisBrokerConfig.DEFAULT_PROBE_TIMEOUT);
  }

  /** The same settings on another Redis. */
  public BrokerSettings withRedis(String uri) {
    return new BrokerSettings(Optional.of(uri), keyPrefix, commandTimeout, history, publishReplicas, idempotencyWindow,
        probeInterval, probeTimeout);
  }

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
