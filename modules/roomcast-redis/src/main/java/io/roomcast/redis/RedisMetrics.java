package io.roomcast.redis;

/**
 * Names of the Redis broker's meters. Tags are low-cardinality only: never a room. The circuit
 * breaker's own meters ({@code resilience4j.circuitbreaker.*}, tag {@code name=roomcast-redis}) come
 * from Resilience4j's {@code TaggedCircuitBreakerMetrics}.
 */
final class RedisMetrics {
  /** Channel messages handed to the listener; tag {@code kind}: envelope or raw. */
  static final String RECEIVED = "roomcast.redis.received";
  /** Subscription restores sent to Redis; tag {@code outcome}: ok or failed. */
  static final String RESTORES = "roomcast.redis.restores";
  /** Liveness probes through Redis and back; tag {@code outcome}: ok or failed (did not come back in time). */
  static final String PROBES = "roomcast.redis.probes";

  private RedisMetrics() {}
}
