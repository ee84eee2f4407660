package io.roomcast.it;

import io.roomcast.client.RoomcastClient;
import io.roomcast.redis.RedisBrokerConfig;
import java.util.concurrent.CompletableFuture;

/** The one place that knows how the doors are given idempotency keys and durable acks (their APIs grow with issue 13). */
final class ChaosDoors {
  private ChaosDoors() {}

  /** Publishes {@code id} as text with {@code id} as its key; today's client has no key to give. */
  static CompletableFuture<Long> publishWithKey(RoomcastClient client, String room, String id) {
    return client.publish(room, id);
  }

  /** The Redis broker's settings for a backend publisher: the nodes' defaults, and acks after {@code publishReplicas} replicas. */
  static RedisBrokerConfig brokerConfig(String uri, int publishReplicas) {
    return RedisBrokerConfig.defaults(uri); // today's broker has no publish-replicas setting
  }
}
