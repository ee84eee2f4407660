package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.MemoryBroker;

/** Chooses the broker a node runs on from its configuration. */
final class Brokers {
  private Brokers() {}

  static Broker forConfig(ServerConfig config, MeterRegistry registry) {
    if (config.redis().isEmpty()) {
      return new MemoryBroker(config.history().size(), config.history().ttl(), System::currentTimeMillis);
    }
    throw new IllegalArgumentException("the Redis broker is not part of this build yet: " + config.redis().get());
  }
}
