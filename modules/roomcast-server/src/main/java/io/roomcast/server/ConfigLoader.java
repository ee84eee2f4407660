package io.roomcast.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.roomcast.core.Heartbeat;
import io.roomcast.core.NodeConfig;
import io.roomcast.core.Outbound;
import io.roomcast.core.PublishRateLimits;
import io.roomcast.core.RoomHistory;
import io.roomcast.core.RoomPermissions;
import io.roomcast.core.SessionLimits;
import io.roomcast.core.SlowConsumerPolicy;
import io.roomcast.core.SubscribeRateLimits;
import io.roomcast.redis.RedisBrokerConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link ServerConfig} from, in order of precedence: flags, environment variables, a config
 * file, and the defaults of reference.conf. Parsing is Typesafe Config's; every value is checked here,
 * as it is read ({@link ConfigReader}), so a mistake stops the node with one message naming the key
 * and the value it got. The environment variable of every key is derived from its name, so none can
 * be forgotten.
 */
final class ConfigLoader {
  /** The values of roomcast.outbound.slow-consumer, in the order messages list them. */
  private static final Map<String, SlowConsumerPolicy> SLOW_CONSUMER = new LinkedHashMap<>();

  static {
    SLOW_CONSUMER.put("disconnect", SlowConsumerPolicy.DISCONNECT);
    SLOW_CONSUMER.put("drop-oldest", SlowConsumerPolicy.DROP_OLDEST);
  }

  private ConfigLoader() {}

  /** The environment variable that sets {@code key}: roomcast.limits.max-rooms -> ROOMCAST_LIMITS_MAX_ROOMS. */
  static String envName(String key) {
    return key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  static Config reference() {
    return ConfigFactory.parseResources(ConfigLoader.class, "/reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
  }

  /**
   * @param file a HOCON or JSON file with any of reference.conf's keys
   * @param flags values by full key, from the command line
   * @param env the process environment
   * @throws IllegalArgumentException naming the key and what is wrong with it
   */
  static ServerConfig load(Optional<Path> file, Map<String, String> flags, Map<String, String> env) {
    try {
      return build(new ConfigReader(merge(file, flags, env).getConfig("roomcast"), "roomcast"));
    } catch (ConfigException e) {
      // a file that does not parse, a substitution that does not resolve: Typesafe's message names the place
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Config merge(Optional<Path> file, Map<String, String> flags, Map<String, String> env) {
    Config reference = reference();
    Map<String, String> fromEnv = new HashMap<>();
    for (var entry : reference.entrySet()) {
      String value = env.get(envName(entry.getKey()));
      if (value != null) fromEnv.put(entry.getKey(), value);
    }
    Config config = ConfigFactory.parseMap(flags, "flags")
        .withFallback(ConfigFactory.parseMap(fromEnv, "environment"));
    if (file.isPresent()) {
      Path f = file.get();
      if (!Files.isReadable(f)) throw new IllegalArgumentException("config file not readable: " + f);
      Config fromFile = ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      for (var entry : fromFile.entrySet()) {
        if (!reference.hasPath(entry.getKey())) {
          throw new IllegalArgumentException("unknown setting " + entry.getKey() + " in " + f);
        }
      }
      config = config.withFallback(fromFile);
    }
    return config.withFallback(reference).resolve();
  }

  private static ServerConfig build(ConfigReader c) {
    SessionLimits limits = limits(c.section("limits"));
    int maxRecovered = c.intAtLeast("max-recovered", 0);
    if (maxRecovered > limits.maxQueuedFrames()) {
      // a recovery queues up to max-recovered frames at once
      throw c.bad("max-recovered", "must not exceed " + c.key("limits.max-queued-frames") + " (" + limits.maxQueuedFrames() + ")",
          maxRecovered);
    }
    String nodeId = c.string("node-id");
    if (nodeId.isBlank()) nodeId = defaultNodeId();
    ConfigReader h = c.section("heartbeat");
    Duration heartbeatTimeout = h.durationAtLeast("timeout", Duration.ofMillis(1));
    Duration heartbeatInterval = h.duration("interval");
    if (heartbeatInterval.compareTo(heartbeatTimeout) <= 0) {
      throw h.bad("interval", "must be longer than " + h.key("timeout") + " (" + h.string("timeout") + ")", h.string("interval"));
    }
    ConfigReader o = c.section("outbound");
    ConfigReader d = c.section("deflate");
    return new ServerConfig(
        c.string("host"),
        c.intBetween("port", 0, 65535),
        c.durationAtLeast("close-timeout", Duration.ofMillis(1)),
        c.durationAtLeast("drain.window", Duration.ZERO),
        broker(c),
        new NodeConfig(nodeId, limits, c.durationAtLeast("room-linger", Duration.ZERO), maxRecovered,
            new Heartbeat(heartbeatInterval, heartbeatTimeout),
            new Outbound(o.oneOf("slow-consumer", SLOW_CONSUMER),
                o.durationBetween("write-delay", Duration.ZERO, Outbound.MAX_WRITE_DELAY))),
        security(c),
        c.bool("demo.ticker"),
        new DeflateSettings(d.bool("enabled"), d.intBetween("level", 1, 9), d.intAtLeast("min-size", 0), d.bool("context-takeover")),
        c.intAtLeast("io-threads", 0),
        management(c.section("management"), c.intBetween("port", 0, 65535)));
  }

  /** The management port: a token is required unless it binds a loopback address. */
  private static ManagementSettings management(ConfigReader m, int publicPort) {
    String host = m.string("host");
    int port = m.intBetween("port", 0, 65535);
    if (port != 0 && port == publicPort) throw m.bad("port", "must differ from roomcast.port", port);
    String token = m.string("token");
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      throw m.bad("host", "must be an address this host has", host);
    }
    if (!loopback && token.isBlank()) {
      // never the token's value in an error: only whether it is there
      throw new IllegalArgumentException(m.key("token") + " must be set when " + m.key("host")
          + " is not a loopback address, got " + host + " and no token");
    }
    if (!token.isBlank() && token.length() < 16) {
      throw new IllegalArgumentException(m.key("token") + " must be at least 16 characters, got " + token.length());
    }
    return new ManagementSettings(host, port, token.isBlank() ? Optional.empty() : Optional.of(token));
  }

  private static SessionLimits limits(ConfigReader l) {
    int maxMessageBytes = l.intAtLeast("max-message-bytes", 1);
    int maxPayloadBytes = l.intAtLeast("max-payload-bytes", 1);
    if (maxPayloadBytes > maxMessageBytes) {
      throw l.bad("max-payload-bytes", "must not exceed " + l.key("max-message-bytes") + " (" + maxMessageBytes + ")", maxPayloadBytes);
    }
    int maxQueuedBytes = l.integer("max-queued-bytes");
    if (maxQueuedBytes < maxMessageBytes) {
      // the queue must hold at least one message
      throw l.bad("max-queued-bytes", "must be at least " + l.key("max-message-bytes") + " (" + maxMessageBytes + ")", maxQueuedBytes);
    }
    return new SessionLimits(
        maxMessageBytes,
        maxPayloadBytes,
        l.intAtLeast("max-frames-per-message", 1),
        l.intAtLeast("max-rooms", 1),
        l.intAtLeast("max-room-name-length", 1),
        maxQueuedBytes,
        l.intAtLeast("max-queued-frames", 1),
        l.intAtLeast("max-batch-bytes", 1));
  }

  private static BrokerSettings broker(ConfigReader c) {
    Optional<String> redis = c.optional("redis");
    if (redis.isPresent()) {
      String problem = RedisBrokerConfig.uriProblem(redis.get());
      if (problem != null) throw c.bad("redis", problem, RedisBrokerConfig.redacted(redis.get()));
    }
    ConfigReader b = c.section("broker");
    String keyPrefix = b.string("key-prefix");
    String prefixProblem = RedisBrokerConfig.keyPrefixProblem(keyPrefix);
    if (prefixProblem != null) throw b.bad("key-prefix", prefixProblem, keyPrefix);
    return new BrokerSettings(redis, keyPrefix, b.durationAtLeast("command-timeout", Duration.ofMillis(1)),
        roomHistory(c.section("history")),
        b.intAtLeast("publish-replicas", 0),
        b.durationAtLeast("idempotency-window", Duration.ofSeconds(1)),
        b.durationAtLeast("probe-interval", Duration.ofMillis(10)),
        b.durationAtLeast("probe-timeout", Duration.ofMillis(10)));
  }

  private static RoomHistory roomHistory(ConfigReader h) {
    Map<String, RoomHistory.Policy> byPrefix = new HashMap<>();
    List<? extends Config> rules = h.objects("rooms", "{ prefix, size, ttl }");
    for (int i = 0; i < rules.size(); i++) {
      ConfigReader rule = new ConfigReader(rules.get(i), h.key("rooms") + "[" + i + "]");
      for (String k : rules.get(i).root().keySet()) {
        if (!List.of("prefix", "size", "ttl").contains(k)) throw new IllegalArgumentException("unknown setting " + rule.key(k));
      }
      String prefix = rule.string("prefix");
      if (prefix.isEmpty()) throw rule.bad("prefix", "must not be empty", "\"\"");
      if (byPrefix.put(prefix, policy(rule)) != null) throw rule.bad("prefix", "must name a prefix once", prefix);
    }
    return new RoomHistory(policy(h), byPrefix);
  }

  private static RoomHistory.Policy policy(ConfigReader h) {
    return new RoomHistory.Policy(h.intAtLeast("size", 0), h.wholeSeconds("ttl"));
  }

  private static SecurityConfig security(ConfigReader c) {
    ConfigReader a = c.section("auth");
    Optional<String> hmacSecret = a.optional("hmac-secret");
    if (hmacSecret.isPresent() && hmacSecret.get().getBytes(StandardCharsets.UTF_8).length < AuthConfig.MIN_HMAC_SECRET_BYTES) {
      // the secret itself stays out of the message
      throw a.bad("hmac-secret", "must be at least " + AuthConfig.MIN_HMAC_SECRET_BYTES + " bytes",
          hmacSecret.get().getBytes(StandardCharsets.UTF_8).length + " bytes");
    }
    List<String> apiKeys = a.strings("api-keys");
    for (String k : apiKeys) {
      if (k.length() < AuthConfig.MIN_API_KEY_LENGTH) {
        throw a.bad("api-keys", "must each be at least " + AuthConfig.MIN_API_KEY_LENGTH + " characters", k.length() + " characters");
      }
    }
    RoomPermissions anonymousRooms = new RoomPermissions(grants(a, "anonymous-subscribe"), grants(a, "anonymous-publish"));
    AuthConfig auth = new AuthConfig(
        hmacSecret,
        a.strings("public-keys").stream().map(Path::of).toList(),
        a.optional("jwks"),
        a.durationAtLeast("jwks-refresh", Duration.ofMillis(1)),
        a.optional("issuer"),
        a.optional("audience"),
        a.durationAtLeast("clock-skew", Duration.ZERO),
        a.bool("anonymous"),
        anonymousRooms,
        apiKeys,
        a.durationAtLeast("authentication-timeout", Duration.ofMillis(1)),
        a.durationAtLeast("jwks-refused-kid-refresh", Duration.ofSeconds(1)));
    ConfigReader o = c.section("origins");
    List<String> allowed = o.strings("allowed");
    OriginPolicy origins = o.checked("allowed", () -> new OriginPolicy(allowed, o.bool("allow-same-origin"), o.bool("allow-missing")));
    ConfigReader n = c.section("connections");
    int perAddressPerSecond = n.intAtLeast("per-address-per-second", 1);
    ConnectionLimits connections = new ConnectionLimits(n.intAtLeast("max", 1), n.intAtLeast("max-per-address", 1),
        perAddressPerSecond, burst(n, "per-address-burst", "per-address-per-second", perAddressPerSecond),
        n.durationAtLeast("handshake-timeout", Duration.ofMillis(1)), n.intBetween("ipv6-prefix-length", 1, 128));
    ConfigReader r = c.section("publish-rate");
    int perSecond = r.intAtLeast("per-second", 1);
    PublishRateLimits rate = new PublishRateLimits(perSecond, burst(r, "burst", "per-second", perSecond),
        r.intAtLeast("max-refused", 1), r.durationAtLeast("window", Duration.ofMillis(1)));
    ConfigReader p = c.section("proxies");
    List<String> trusted = p.strings("trusted");
    TrustedProxies proxies = p.checked("trusted", () -> new TrustedProxies(trusted, p.bool("proxy-protocol")));
    ConfigReader api = c.section("api.publish-rate");
    int apiPerSecond = api.intAtLeast("per-second", 1);
    ApiPublishRateLimits apiRate = new ApiPublishRateLimits(apiPerSecond, burst(api, "burst", "per-second", apiPerSecond));
    ConfigReader sub = c.section("subscribe-rate");
    int subPerSecond = sub.intAtLeast("per-second", 1);
    SubscribeRateLimits subRate = new SubscribeRateLimits(subPerSecond, burst(sub, "burst", "per-second", subPerSecond));
    return new SecurityConfig(auth, origins, connections, rate, proxies, tls(c.section("tls")), apiRate, subRate);
  }

  /** A burst setting, which must be at least its per-second rate. */
  private static int burst(ConfigReader c, String key, String rateKey, int rate) {
    int burst = c.intAtLeast(key, 1);
    if (burst < rate) throw c.bad(key, "must be at least " + c.key(rateKey) + " (" + rate + ")", burst);
    return burst;
  }

  private static List<String> grants(ConfigReader a, String key) {
    List<String> grants = a.strings(key);
    List<String> invalid = RoomPermissions.invalidGrants(grants);
    if (!invalid.isEmpty()) {
      throw a.bad(key, "must hold exact room names, prefixes ending in *, or *, each once", invalid);
    }
    return grants;
  }

  private static Optional<TlsConfig> tls(ConfigReader t) {
    Optional<String> cert = t.optional("certificate");
    Optional<String> key = t.optional("private-key");
    Optional<String> store = t.optional("keystore");
    if (cert.isEmpty() && key.isEmpty() && store.isEmpty()) return Optional.empty();
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException(t.key("certificate") + " and " + t.key("private-key") + " go together, got "
          + (cert.isPresent() ? "only the certificate" : "only the private key"));
    }
    if (cert.isPresent() == store.isPresent()) {
      throw new IllegalArgumentException("TLS needs either " + t.key("certificate") + " with " + t.key("private-key")
          + ", or " + t.key("keystore") + ", got both");
    }
    List<String> protocols = t.strings("protocols");
    if (protocols.isEmpty() || !TlsConfig.DEFAULT_PROTOCOLS.containsAll(protocols)) {
      throw t.bad("protocols", "must list some of " + String.join(", ", TlsConfig.DEFAULT_PROTOCOLS), protocols);
    }
    return Optional.of(new TlsConfig(cert.map(Path::of), key.map(Path::of), store.map(Path::of), t.string("keystore-password"),
        protocols));
  }

  private static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "node";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }
}
