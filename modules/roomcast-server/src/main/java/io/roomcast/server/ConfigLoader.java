package io.roomcast.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueType;
import io.roomcast.core.Heartbeat;
import io.roomcast.core.NodeConfig;
import io.roomcast.core.Outbound;
import io.roomcast.core.SlowConsumerPolicy;
import io.roomcast.core.PublishRateLimits;
import io.roomcast.core.RoomHistory;
import io.roomcast.core.RoomPermissions;
import io.roomcast.core.SessionLimits;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link ServerConfig} from, in order of precedence: flags, environment variables, a config
 * file, and the defaults of reference.conf. Parsing and type checks are Typesafe Config's; the
 * environment variable of every key is derived from its name, so none can be forgotten.
 */
final class ConfigLoader {
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
    config = config.withFallback(reference).resolve();
    try {
      return build(config.getConfig("roomcast"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static ServerConfig build(Config c) {
    Config l = c.getConfig("limits");
    SessionLimits limits = new SessionLimits(
        l.getInt("max-message-bytes"),
        l.getInt("max-payload-bytes"),
        l.getInt("max-frames-per-message"),
        l.getInt("max-rooms"),
        l.getInt("max-room-name-length"),
        l.getInt("max-queued-bytes"),
        l.getInt("max-queued-frames"),
        l.getInt("max-batch-bytes"));
    String nodeId = c.getString("node-id");
    if (nodeId.isBlank()) nodeId = defaultNodeId();
    String redis = c.getString("redis");
    BrokerSettings broker = new BrokerSettings(
        redis.isBlank() ? Optional.empty() : Optional.of(redis),
        c.getString("broker.key-prefix"),
        c.getDuration("broker.command-timeout"),
        roomHistory(c.getConfig("history")));
    return new ServerConfig(
        c.getString("host"),
        c.getInt("port"),
        c.getDuration("close-timeout"),
        c.getDuration("drain.window"),
        broker,
        new NodeConfig(nodeId, limits, c.getDuration("room-linger"), c.getInt("max-recovered"),
            new Heartbeat(c.getDuration("heartbeat.interval"), c.getDuration("heartbeat.timeout")),
            new Outbound(slowConsumerPolicy(c.getString("outbound.slow-consumer")), c.getDuration("outbound.write-delay"))),
        security(c),
        c.getBoolean("demo.ticker"),
        new DeflateSettings(c.getBoolean("deflate.enabled"), c.getInt("deflate.level"), c.getInt("deflate.min-size"),
            c.getBoolean("deflate.context-takeover")),
        c.getInt("io-threads"));
  }

  private static SlowConsumerPolicy slowConsumerPolicy(String name) {
    return switch (name) {
      case "disconnect" -> SlowConsumerPolicy.DISCONNECT;
      case "drop-oldest" -> SlowConsumerPolicy.DROP_OLDEST;
      default -> throw new IllegalArgumentException(
          "roomcast.outbound.slow-consumer must be \"disconnect\" or \"drop-oldest\": " + name);
    };
  }

  private static RoomHistory roomHistory(Config h) {
    Map<String, RoomHistory.Policy> byPrefix = new HashMap<>();
    for (Config rule : h.getConfigList("rooms")) {
      String prefix = rule.getString("prefix");
      if (byPrefix.put(prefix, new RoomHistory.Policy(rule.getInt("size"), rule.getDuration("ttl"))) != null) {
        throw new IllegalArgumentException("roomcast.history.rooms names prefix " + prefix + " twice");
      }
    }
    return new RoomHistory(new RoomHistory.Policy(h.getInt("size"), h.getDuration("ttl")), byPrefix);
  }

  private static SecurityConfig security(Config c) {
    Config a = c.getConfig("auth");
    AuthConfig auth = new AuthConfig(
        optional(a, "hmac-secret"),
        strings(a, "public-keys").stream().map(Path::of).toList(),
        optional(a, "jwks"),
        a.getDuration("jwks-refresh"),
        optional(a, "issuer"),
        optional(a, "audience"),
        a.getDuration("clock-skew"),
        a.getBoolean("anonymous"),
        new RoomPermissions(strings(a, "anonymous-subscribe"), strings(a, "anonymous-publish")),
        strings(a, "api-keys"),
        a.getDuration("authentication-timeout"));
    Config o = c.getConfig("origins");
    OriginPolicy origins = new OriginPolicy(strings(o, "allowed"), o.getBoolean("allow-same-origin"), o.getBoolean("allow-missing"));
    Config n = c.getConfig("connections");
    ConnectionLimits connections = new ConnectionLimits(n.getInt("max"), n.getInt("max-per-address"),
        n.getInt("per-address-per-second"), n.getInt("per-address-burst"), n.getDuration("handshake-timeout"));
    Config r = c.getConfig("publish-rate");
    PublishRateLimits rate = new PublishRateLimits(r.getInt("per-second"), r.getInt("burst"), r.getInt("max-refused"),
        r.getDuration("window"));
    Config p = c.getConfig("proxies");
    TrustedProxies proxies = new TrustedProxies(strings(p, "trusted"), p.getBoolean("proxy-protocol"));
    Config t = c.getConfig("tls");
    Optional<TlsConfig> tls = Optional.empty();
    Optional<String> cert = optional(t, "certificate");
    Optional<String> key = optional(t, "private-key");
    Optional<String> store = optional(t, "keystore");
    if (cert.isPresent() || key.isPresent() || store.isPresent()) {
      tls = Optional.of(new TlsConfig(cert.map(Path::of), key.map(Path::of), store.map(Path::of),
          t.getString("keystore-password"), strings(t, "protocols")));
    }
    return new SecurityConfig(auth, origins, connections, rate, proxies, tls);
  }

  private static Optional<String> optional(Config c, String key) {
    String v = c.getString(key);
    return v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  /** A list setting: a list in files, or comma-separated in an environment variable or flag. */
  private static List<String> strings(Config c, String key) {
    if (c.getValue(key).valueType() == ConfigValueType.LIST) return c.getStringList(key);
    String v = c.getString(key);
    return v.isBlank() ? List.of() : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
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
