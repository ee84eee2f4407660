package io.roomcast.server;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Which broker a node runs on and what it keeps.
 *
 * @param redis the Redis URI (redis://, redis-sentinel://, redis-cluster://); empty for the in-memory broker
 * @param keyPrefix put before every Redis key and channel of roomcast
 * @param commandTimeout the longest one Redis command may take before it fails as unavailable
 * @param historySize messages kept per room for recovery (approximately, in Redis); 0 keeps none
 * @param historyTtl how long a room's history outlives its last publish
 */
public record BrokerSettings(Optional<String> redis, String keyPrefix, Duration commandTimeout, int historySize,
    Duration historyTtl) {
  public BrokerSettings {
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    if (commandTimeout.isNegative() || commandTimeout.isZero()) {
      throw new IllegalArgumentException("command timeout must be positive: " + commandTimeout);
    }
    if (historySize < 0) throw new IllegalArgumentException("history size must not be negative: " + historySize);
    if (historyTtl.isNegative() || historyTtl.isZero()) throw new IllegalArgumentException("history ttl must be positive: " + historyTtl);
  }

  public BrokerSettings withRedis(String uri) {
    return new BrokerSettings(Optional.of(uri), keyPrefix, commandTimeout, historySize, historyTtl);
  }
}
