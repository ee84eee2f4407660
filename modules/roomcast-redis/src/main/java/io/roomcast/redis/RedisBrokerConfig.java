package io.roomcast.redis;

import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;

/**
 * How the Redis broker reaches Redis and what it keeps there. Immutable; every value is checked when
 * the record is built.
 *
 * @param uri where Redis is; its scheme picks the {@link Topology}: {@code redis://host:port[/db]}
 *     (or {@code rediss://}) for one server, {@code redis-sentinel://host:port,host:port[/db]#master}
 *     for Sentinel, {@code redis-cluster://host:port,host:port} for Redis Cluster (seed nodes)
 * @param keyPrefix put before every key and channel; a room's keys are
 *     {@code <prefix>{<room>}:offset|epoch|history} and its channel {@code <prefix>{<room>}}
 * @param history how much of each room's stream Redis keeps for recovery
 * @param commandTimeout the longest one Redis command may take before it fails as unavailable
 * @param resubscribeInterval how often every wanted subscription is sent to Redis again, whatever the
 *     client library believes (the backstop behind the event-driven restore)
 * @param breaker when to stop calling Redis and fail fast
 * @param historyByPrefix overrides of {@code history} for rooms whose name starts with a key (the
 *     longest matching prefix wins)
 */
public record RedisBrokerConfig(
    String uri, String keyPrefix, History history, Duration commandTimeout, Duration resubscribeInterval, Breaker breaker,
    Map<String, History> historyByPrefix) {

  public static final String DEFAULT_KEY_PREFIX = "roomcast:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_RESUBSCRIBE_INTERVAL = Duration.ofSeconds(30);

  /** The Redis deployments the broker supports. */
  public enum Topology {
    STANDALONE,
    SENTINEL,
    CLUSTER
  }

  public RedisBrokerConfig {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(breaker, "breaker");
    topologyOf(uri); // fails on an unknown scheme
    if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
      // a brace in the prefix would become the hash tag and put every room in one slot
      throw new IllegalArgumentException("keyPrefix must not contain '{' or '}': " + keyPrefix);
    }
    requirePositive(commandTimeout, "commandTimeout");
    requirePositive(resubscribeInterval, "resubscribeInterval");
    historyByPrefix = longestFirst(historyByPrefix);
  }

  private static Map<String, History> longestFirst(Map<String, History> byPrefix) {
    Map<String, History> sorted = new LinkedHashMap<>();
    byPrefix.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
        .forEach(prefix -> sorted.put(prefix, Objects.requireNonNull(byPrefix.get(prefix), prefix)));
    return Collections.unmodifiableMap(sorted);
  }

  /** The history policy of {@code room}: the longest matching prefix's, else {@link #history()}. */
  public History historyFor(String room) {
    for (var e : historyByPrefix.entrySet()) {
      if (room.startsWith(e.getKey())) return e.getValue();
    }
    return history;
  }

  public RedisBrokerConfig withHistoryByPrefix(Map<String, History> overrides) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, overrides);
  }

  /** The defaults for everything but the URI. */
  public static RedisBrokerConfig defaults(String uri) {
    return new RedisBrokerConfig(
        uri, DEFAULT_KEY_PREFIX, History.defaults(), DEFAULT_COMMAND_TIMEOUT, DEFAULT_RESUBSCRIBE_INTERVAL, Breaker.defaults(),
        Map.of());
  }

  public Topology topology() {
    return topologyOf(uri);
  }

  public RedisBrokerConfig withKeyPrefix(String keyPrefix) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, historyByPrefix);
  }

  public RedisBrokerConfig withHistory(History history) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, historyByPrefix);
  }

  public RedisBrokerConfig withCommandTimeout(Duration commandTimeout) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, historyByPrefix);
  }

  public RedisBrokerConfig withResubscribeInterval(Duration resubscribeInterval) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, historyByPrefix);
  }

  public RedisBrokerConfig withBreaker(Breaker breaker) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, historyByPrefix);
  }

  /**
   * A room's history: a Redis stream capped at about {@code maxLength} entries, expiring {@code ttl}
   * after the room's last publish. The room's offset and epoch expire {@code metaTtl} after it; when
   * they are gone the room starts a new epoch.
   *
   * @param maxLength entries kept (Redis trims approximately, {@code MAXLEN ~}); 0 keeps no history
   */
  public record History(int maxLength, Duration ttl, Duration metaTtl) {
    public static final int DEFAULT_MAX_LENGTH = 1000;
    public static final Duration DEFAULT_TTL = Duration.ofDays(1);
    public static final Duration DEFAULT_META_TTL = Duration.ofDays(30);

    public History {
      if (maxLength < 0) throw new IllegalArgumentException("history maxLength must not be negative: " + maxLength);
      requireWholeSeconds(ttl, "history ttl");
      requireWholeSeconds(metaTtl, "history metaTtl");
      if (metaTtl.compareTo(ttl) < 0) {
        // offsets must outlive the history they index, or a new epoch would orphan live history
        throw new IllegalArgumentException("history metaTtl must not be shorter than ttl: " + metaTtl + " < " + ttl);
      }
    }

    public static History defaults() {
      return new History(DEFAULT_MAX_LENGTH, DEFAULT_TTL, DEFAULT_META_TTL);
    }
  }

  /**
   * The circuit breaker in front of Redis: it opens when at least {@code failureRatePercent} of the
   * last {@code windowSize} calls failed (once {@code minimumCalls} were made), then fails every call
   * at once for {@code openDuration}, then lets a few trial calls through.
   */
  public record Breaker(int failureRatePercent, int windowSize, int minimumCalls, Duration openDuration) {
    public static final int DEFAULT_FAILURE_RATE_PERCENT = 50;
    public static final int DEFAULT_WINDOW_SIZE = 20;
    public static final int DEFAULT_MINIMUM_CALLS = 5;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(5);

    public Breaker {
      if (failureRatePercent < 1 || failureRatePercent > 100) {
        throw new IllegalArgumentException("breaker failureRatePercent must be within 1..100: " + failureRatePercent);
      }
      if (windowSize < 1) throw new IllegalArgumentException("breaker windowSize must be positive: " + windowSize);
      if (minimumCalls < 1 || minimumCalls > windowSize) {
        throw new IllegalArgumentException("breaker minimumCalls must be within 1..windowSize: " + minimumCalls);
      }
      requirePositive(openDuration, "breaker openDuration");
    }

    public static Breaker defaults() {
      return new Breaker(DEFAULT_FAILURE_RATE_PERCENT, DEFAULT_WINDOW_SIZE, DEFAULT_MINIMUM_CALLS, DEFAULT_OPEN_DURATION);
    }
  }

  static Topology topologyOf(String uri) {
    int colon = uri.indexOf("://");
    if (colon <= 0) throw new IllegalArgumentException("uri must start with a scheme such as redis://: " + uri);
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "redis":
      case "rediss":
      case "redis-socket":
        return Topology.STANDALONE;
      case "redis-sentinel":
      case "rediss-sentinel":
        if (uri.indexOf('#') < 0) throw new IllegalArgumentException("a sentinel uri needs #<master name>: " + uri);
        return Topology.SENTINEL;
      case "redis-cluster":
      case "rediss-cluster":
        if (uri.length() == colon + 3) throw new IllegalArgumentException("a cluster uri needs at least one host: " + uri);
        return Topology.CLUSTER;
      default:
        throw new IllegalArgumentException("unknown uri scheme '" + scheme + "' (redis, rediss, redis-sentinel, redis-cluster): " + uri);
    }
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive: " + d);
  }

  private static void requireWholeSeconds(Duration d, String name) {
    requirePositive(d, name);
    // EXPIRE takes whole seconds; a fraction would be silently dropped
    if (d.toNanosPart() != 0) throw new IllegalArgumentException(name + " must be whole seconds: " + d);
  }

  /** The uri without its password, for logs and messages. */
  String safeUri() {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

  @Override
  public String toString() {
    return "RedisBrokerConfig[uri=" + safeUri() + ", keyPrefix=" + keyPrefix + ", history=" + history
        + ", commandTimeout=" + commandTimeout + ", resubscribeInterval=" + resubscribeInterval + ", breaker=" + breaker + "]";
  }
}
