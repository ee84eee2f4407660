package io.roomcast.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerUnavailableException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Creates the Redis {@link Broker}: the one public entry point of this module. */
public final class RedisBrokers {
  /** Reconnect attempts back off from this... */
  private static final Duration RECONNECT_MIN = Duration.ofMillis(50);
  /** ...to this, so that a returning Redis is found within a second (Lettuce's default waits up to 30 s). */
  private static final Duration RECONNECT_MAX = Duration.ofSeconds(1);
  private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(10);

  private RedisBrokers() {}

  /**
   * Returns a broker, not yet started, connected to Redis if it can be reached now; otherwise it keeps
   * trying in the background, {@link Broker#available()} stays false and every call fails with
   * {@link BrokerUnavailableException} until it connects. Its circuit breaker's meters are bound to
   * {@code registry}.
   *
   * @throws IllegalArgumentException when the URI cannot be parsed (checked first by {@link RedisBrokerConfig#uriProblem})
   */
  public static Broker create(RedisBrokerConfig config, MeterRegistry registry) {
    return create(config, registry, UnaryOperator.identity());
  }

  /** As {@link #create(RedisBrokerConfig, MeterRegistry)}, every link passing through {@code decorate} (for tests). */
  static Broker create(RedisBrokerConfig config, MeterRegistry registry, UnaryOperator<RedisLink> decorate) {
    java.util.Objects.requireNonNull(config, "config");
    java.util.Objects.requireNonNull(registry, "registry");
    CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "roomcast-redis-timer");
      t.setDaemon(true);
      return t;
    });
    Guard guard = new Guard(config, breakers, scheduler);
    // Our own resources: the event bus then carries only this broker's reconnects, and close() frees the threads.
    ClientResources resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        // Lettuce's own per-command latency histograms: nothing reads them (the node's meters time publishes), and
        // they cost a map lookup and a histogram update on every reply
        .commandLatencyRecorder(CommandLatencyRecorder.disabled())
        .reconnectDelay(Delay.exponential(RECONNECT_MIN, RECONNECT_MAX, 2, TimeUnit.MILLISECONDS))
        .build();
    // a channel of this node alone, for its liveness probes
    byte[] probeChannel = new RoomKeys(config.keyPrefix()).probeChannel(UUID.randomUUID().toString());
    try {
      Function<RedisLink.Sink, RedisLink> connect = connector(config, resources, probeChannel);
      return new RedisBroker(config, resources, scheduler, guard, registry, probeChannel, sink -> decorate.apply(connect.apply(sink)));
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * Presence in the same Redis as {@code broker} (made by {@link #create}), on its connections, time
   * limit and circuit breaker; its joins and leaves reach nodes through the broker's room subscriptions.
   *
   * @param node this node's id: its members are kept alive by its refreshes, and expire without them
   */
  public static io.roomcast.core.Presence presence(Broker broker, String node, io.roomcast.core.PresenceConfig config,
      MeterRegistry registry) {
    if (!(broker instanceof RedisBroker redis)) throw new IllegalArgumentException("not a Redis broker: " + broker);
    return new RedisPresence(redis, node, config, registry);
  }

  private static Function<RedisLink.Sink, RedisLink> connector(RedisBrokerConfig config, ClientResources resources, byte[] probeChannel) {
    ClientOptions.Builder options = ClientOptions.builder();
    SocketOptions socket = SocketOptions.builder().connectTimeout(config.commandTimeout()).keepAlive(true).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(config.commandTimeout());
    switch (config.topology()) {
      case CLUSTER: {
        List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(URI.create(RedisBrokerConfig.clusterSeeds(config.uri())));
        seeds.forEach(u -> u.setTimeout(config.commandTimeout()));
        ClusterClientOptions clusterOptions = ClusterClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(socket)
            .timeoutOptions(timeouts)
            .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                .enableAllAdaptiveRefreshTriggers()
                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                .build())
            .build();
        return sink -> {
          RedisClusterClient client = RedisClusterClient.create(resources, seeds);
          client.setOptions(clusterOptions);
          try {
            return new ClusterLink(client, sink, probeChannel);
          } catch (RuntimeException e) {
            client.shutdown();
            throw e;
          }
        };
      }
      case STANDALONE:
      case SENTINEL:
      default: {
        // For Sentinel, Lettuce asks the sentinels for the primary on every (re)connect.
        RedisURI uri = RedisURI.create(config.uri());
        uri.setTimeout(config.commandTimeout());
        ClientOptions standaloneOptions = options
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(socket)
            .timeoutOptions(timeouts)
            .build();
        return sink -> {
          RedisClient client = RedisClient.create(resources);
          client.setOptions(standaloneOptions);
          try {
            return new StandaloneLink(client, uri, sink, probeChannel, config.publishReplicas() > 0);
          } catch (RuntimeException e) {
            client.shutdown();
            throw e;
          }
        };
      }
    }
  }
}
