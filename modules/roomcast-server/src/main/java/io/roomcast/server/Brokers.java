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
}
