package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.MemoryBroker;
import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.redis.RedisBrokers;

/** Chooses the broker a node runs on from its configuration. */
final class Brokers {
  private Brokers() {}

  static Broker forConfig(BrokerSettings settings, MeterRegistry registry) {
    if (settings.redis().isEmpty()) {
      return new MemoryBroker(settings.historySize(), settings.historyTtl(), System::currentTimeMillis);
    }
    RedisBrokerConfig redis = RedisBrokerConfig.defaults(settings.redis().get())
        .withKeyPrefix(settings.keyPrefix())
        .withCommandTimeout(settings.commandTimeout())
        .withHistory(new RedisBrokerConfig.History(settings.historySize(), settings.historyTtl(),
            RedisBrokerConfig.History.DEFAULT_META_TTL));
    return RedisBrokers.create(redis, registry);
  }
}
