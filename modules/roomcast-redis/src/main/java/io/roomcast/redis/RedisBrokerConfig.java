package io.roomcast.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.roomcast.core.RoomHistory;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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
 * @param history how much of each room's stream Redis keeps for recovery, by room-name prefix: a
 *     stream capped at about {@code size} entries ({@code MAXLEN ~}), expiring {@code ttl} after the
 *     room's last publish
 * @param commandTimeout the longest one Redis command may take before it fails as unavailable
 * @param resubscribeInterval how often every wanted subscription is sent to Redis again, whatever the
 *     client library believes (the backstop behind the event-driven restore)
 * @param breaker when to stop calling Redis and fail fast
 * @param publishReplicas how many replicas must hold a publish before it is acknowledged (Redis
 *     {@code WAIT}, bounded by the command timeout); 0 acknowledges what the primary stored
 * @param idempotencyWindow how long a publish's idempotency key is remembered
 * @param probeInterval how often each link carries a liveness probe through Redis and back
 * @param probeTimeout how long a probe may take before the link counts as dead and is reconnected
 */
public record RedisBrokerConfig(
    String uri, String keyPrefix, RoomHistory history, Duration commandTimeout, Duration resubscribeInterval, Breaker breaker,
    int publishReplicas, Duration idempotencyWindow, Duration probeInterval, Duration probeTimeout) {

  public static final String DEFAULT_KEY_PREFIX = "roomcast:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_RESUBSCRIBE_INTERVAL = Duration.ofSeconds(30);
  /** A room's offset and epoch expire this long after its last publish, or with its history if that lives longer. */
  public static final Duration META_TTL = Duration.ofDays(30);
  public static final int DEFAULT_PUBLISH_REPLICAS = 0;
  public static final Duration DEFAULT_IDEMPOTENCY_WINDOW = Duration.ofMinutes(5);
  /** A dead link is noticed within probe interval + probe timeout, 3 s by default. */
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(2);
  /** The longest idempotency key, in bytes of UTF-8. */
  public static final int MAX_IDEMPOTENCY_KEY_BYTES = 64;

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
    String uriProblem = uriProblem(uri);
    if (uriProblem != null) throw new IllegalArgumentException("uri " + uriProblem + ", got " + redacted(uri));
    String prefixProblem = keyPrefixProblem(keyPrefix);
    if (prefixProblem != null) throw new IllegalArgumentException("keyPrefix " + prefixProblem + ", got " + keyPrefix);
    requirePositive(commandTimeout, "commandTimeout");
    requirePositive(resubscribeInterval, "resubscribeInterval");
    if (publishReplicas < 0) throw new IllegalArgumentException("publishReplicas must not be negative: " + publishReplicas);
    requirePositive(idempotencyWindow, "idempotencyWindow");
    requirePositive(probeInterval, "probeInterval");
    requirePositive(probeTimeout, "probeTimeout");
  }

  /** The settings before publish replicas, idempotency and probes: those take their defaults. */
  public RedisBrokerConfig(
      String uri, String keyPrefix, RoomHistory history, Duration commandTimeout, Duration resubscribeInterval, Breaker breaker) {
    this(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker, DEFAULT_PUBLISH_REPLICAS,
        DEFAULT_IDEMPOTENCY_WINDOW, DEFAULT_PROBE_INTERVAL, DEFAULT_PROBE_TIMEOUT);
  }

  /** The defaults for everything but the URI. */
  public static RedisBrokerConfig defaults(String uri) {
    return new RedisBrokerConfig(uri, DEFAULT_KEY_PREFIX, RoomHistory.defaultHistory(), DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_RESUBSCRIBE_INTERVAL, Breaker.defaults());
  }

  /** Read on every publish: a lookup of the scheme, the URI having been checked when the record was built. */
  public Topology topology() {
    return SCHEMES.get(scheme(uri));
  }

  /**
   * How long a room's offset and epoch outlive its last publish: {@link #META_TTL}, or the history's
   * TTL if longer, since offsets must outlive the history they index (a new epoch would orphan it).
   */
  static Duration metaTtl(RoomHistory.Policy policy) {
    return policy.ttl().compareTo(META_TTL) > 0 ? policy.ttl() : META_TTL;
  }

  public RedisBrokerConfig withHistory(RoomHistory history) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
  }

  public RedisBrokerConfig withCommandTimeout(Duration commandTimeout) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
  }

  public RedisBrokerConfig withBreaker(Breaker breaker) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
  }

  public RedisBrokerConfig withPublishReplicas(int publishReplicas) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
  }

  public RedisBrokerConfig withIdempotencyWindow(Duration idempotencyWindow) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
  }

  public RedisBrokerConfig withProbe(Duration probeInterval, Duration probeTimeout) {
    return new RedisBrokerConfig(uri, keyPrefix, history, commandTimeout, resubscribeInterval, breaker,
        publishReplicas, idempotencyWindow, probeInterval, probeTimeout);
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

  /** The schemes the broker accepts, in the order messages list them, and what each picks. */
  private static final Map<String, Topology> SCHEMES = schemes();

  private static Map<String, Topology> schemes() {
    Map<String, Topology> m = new LinkedHashMap<>();
    m.put("redis", Topology.STANDALONE);
    m.put("rediss", Topology.STANDALONE);
    m.put("redis-socket", Topology.STANDALONE);
    m.put("redis-sentinel", Topology.SENTINEL);
    m.put("rediss-sentinel", Topology.SENTINEL);
    m.put("redis-cluster", Topology.CLUSTER);
    m.put("rediss-cluster", Topology.CLUSTER);
    return Collections.unmodifiableMap(m);
  }

  /**
   * What is wrong with {@code uri} for this broker, as a rule ("must ..."), or null when the broker
   * can use it: a scheme it knows, and a URI the client library parses. The configuration loader asks
   * this before the broker is built, so a bad URI stops the node with a message naming the setting.
   */
  public static String uriProblem(String uri) {
    String scheme = scheme(uri);
    if (scheme.isEmpty()) return "must start with a scheme such as redis://";
    Topology topology = SCHEMES.get(scheme);
    if (topology == null) return "must use one of the schemes " + String.join("://, ", SCHEMES.keySet()) + "://";
    if (topology == Topology.SENTINEL && uri.indexOf('#') < 0) {
      return "must name the master after # (redis-sentinel://host:26379#mymaster)";
    }
    if (topology == Topology.CLUSTER && uri.length() == scheme.length() + 3) return "must name at least one host";
    try {
      if (topology == Topology.CLUSTER) {
        RedisClusterURIUtil.toRedisURIs(URI.create(clusterSeeds(uri)));
      } else {
        RedisURI.create(uri);
      }
    } catch (RuntimeException e) {
      return "must be a URI the Redis client can parse";
    }
    return null;
  }

  /** A redis-cluster:// URI as the client library takes its seed nodes: with the plain redis:// scheme. */
  static String clusterSeeds(String uri) {
    return uri.replaceFirst("-cluster://", "://");
  }

  /** Why {@code keyPrefix} cannot be used, as a rule ("must ..."), or null when it can. */
  public static String keyPrefixProblem(String keyPrefix) {
    // a brace in the prefix would become the hash tag and put every room in one slot
    return keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0 ? "must not contain '{' or '}'" : null;
  }

  private static String scheme(String uri) {
    int colon = uri.indexOf("://");
    return colon <= 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  /** The uri without its password, for logs and messages. */
  String safeUri() {
    return redacted(uri);
  }

  /** {@code uri} without its password, for logs and messages. */
  public static String redacted(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive: " + d);
  }

  @Override
  public String toString() {
    return "RedisBrokerConfig[uri=" + redacted(uri) + ", keyPrefix=" + keyPrefix + ", history=" + history
        + ", commandTimeout=" + commandTimeout + ", resubscribeInterval=" + resubscribeInterval + ", breaker=" + breaker
        + ", publishReplicas=" + publishReplicas + ", idempotencyWindow=" + idempotencyWindow + ", probeInterval=" + probeInterval
        + ", probeTimeout=" + probeTimeout + "]";
  }
}
