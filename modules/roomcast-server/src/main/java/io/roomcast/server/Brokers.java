package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.MemoryBroker;
import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.redis.RedisBrokers;

/** Chooses the broker a node runs on from its configuration; both keep the same history policy. */
final class Brokers {
  private Brokers() {}

  static Broker forConfig(BrokerSettings settings, MeterRegistry registry) {
    if (settings.redis().isEmpty()) return new MemoryBroker(settings.history(), System::currentTimeMillis);
    RedisBrokerConfig redis = new RedisBrokerConfig(settings.redis().get(), settings.keyPrefix(), settings.history(),
        settings.commandTimeout(), RedisBrokerConfig.DEFAULT_RESUBSCRIBE_INTERVAL, RedisBrokerConfig.Breaker.defaults(),
        settings.publishReplicas(), settings.idempotencyWindow(), settings.probeInterval(), settings.probeTimeout());
    return RedisBrokers.create(redis, registry);
  }

  /** Presence in the same store as {@code broker}: its memory, or its Redis. */
  static io.roomcast.core.Presence presenceFor(Broker broker, String nodeId, io.roomcast.core.PresenceConfig config,
      MeterRegistry registry) {
    if (broker instanceof MemoryBroker memory) {
      return io.roomcast.core.MemoryPresence.forBroker(memory, config, System::currentTimeMillis, nodeId);
    }
    return RedisBrokers.presence(broker, nodeId, config, registry);
  }
}
