package io.roomcast.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to rooms from a Java backend service straight into Redis, the way the nodes do: one
 * script call assigns the room's next offset, records the message in the room's history and
 * publishes it, so subscribers on every node get it in order and can recover it after a reconnect.
 * Lives beside the Redis broker it drives, so that the Java client ({@code roomcast-client}) does not
 * pull Lettuce. Thread-safe; close it when done.
 */
public final class RedisPublisher implements AutoCloseable {
  private final Broker broker;

  private RedisPublisher(Broker broker) {
    this.broker = broker;
  }

  /**
   * Connects to the cluster's Redis, e.g. {@code redis://127.0.0.1:6379},
   * {@code redis-sentinel://host:26379#mymaster} or {@code redis-cluster://host:7000}. Use the same key
   * prefix and history settings as the nodes (see docs/redis.md) when they are not the defaults.
   */
  public static RedisPublisher connect(RedisBrokerConfig config) {
    Broker broker = RedisBrokers.create(config, new SimpleMeterRegistry());
    broker.start(p -> { }); // a publisher subscribes to nothing
    return new RedisPublisher(broker);
  }

  public static RedisPublisher connect(String uri) {
    return connect(RedisBrokerConfig.defaults(uri));
  }

  /** Publishes text; completes with the message's offset in the room, or fails fast while Redis is down. */
  public CompletableFuture<Long> publish(String room, String text) {
    return broker.publish(room, Payload.text(text)).thenApply(Publication::offset).toCompletableFuture();
  }

  /** Publishes bytes; the array must not change afterwards. */
  public CompletableFuture<Long> publish(String room, byte[] data) {
    return broker.publish(room, Payload.binary(data)).thenApply(Publication::offset).toCompletableFuture();
  }

  @Override
  public void close() {
    broker.close();
  }
}
