package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.RoomHistory;
import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.redis.RedisBrokers;
import java.util.LinkedHashMap;
import java.util.Map;

/** Chooses the broker a node runs on from its configuration. */
final class Brokers {
  private Brokers() {}

  static Broker forConfig(BrokerSettings settings, MeterRegistry registry) {
    if (settings.redis().isEmpty()) return new MemoryBroker(settings.history(), System::currentTimeMillis);
    Map<String, RedisBrokerConfig.History> byPrefix = new LinkedHashMap<>();
    settings.history().byPrefix().forEach((prefix, policy) -> byPrefix.put(prefix, redisHistory(policy)));
    RedisBrokerConfig redis = RedisBrokerConfig.defaults(settings.redis().get())
        .withKeyPrefix(settings.keyPrefix())
        .withCommandTimeout(settings.commandTimeout())
        .withHistory(redisHistory(settings.history().defaults()))
        .withHistoryByPrefix(byPrefix);
    return RedisBrokers.create(redis, registry);
  }

  /** Offsets and epochs outlive the history they index (30 days, or the history's TTL if longer). */
  private static RedisBrokerConfig.History redisHistory(RoomHistory.Policy policy) {
    var meta = RedisBrokerConfig.History.DEFAULT_META_TTL;
    return new RedisBrokerConfig.History(policy.size(), policy.ttl(), policy.ttl().compareTo(meta) > 0 ? policy.ttl() : meta);
  }
}
