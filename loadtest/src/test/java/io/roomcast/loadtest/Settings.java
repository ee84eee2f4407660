package io.roomcast.loadtest;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The knobs of every simulation, read once from system properties ({@code -Dlt.users=5000}) or the
 * environment ({@code LT_USERS=5000}); the property wins. Each getter names its key and default, and
 * {@link #describe()} prints what a run used, so a summary always says what was measured.
 */
final class Settings {
  private Settings() {}

  /** A raw setting: {@code -Dlt.<key>} or {@code LT_<KEY>} (camelCase becomes SNAKE_CASE). */
  static String raw(String key, String fallback) {
    String v = System.getProperty("lt." + key);
    if (v == null || v.isBlank()) v = System.getenv("LT_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT));
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  static int integer(String key, int fallback) {
    String v = raw(key, null);
    try {
      return v == null ? fallback : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lt." + key + " must be an integer: " + v);
    }
  }

  static double decimal(String key, double fallback) {
    String v = raw(key, null);
    try {
      return v == null ? fallback : Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lt." + key + " must be a number: " + v);
    }
  }

  static boolean flag(String key, boolean fallback) {
    String v = raw(key, null);
    return v == null ? fallback : Boolean.parseBoolean(v);
  }

  // --- target -----------------------------------------------------------------------------------

  /** {@code lt.url}: WebSocket URL(s) of the cluster, comma-separated (virtual users spread over them). */
  static List<URI> urls() {
    return Arrays.stream(raw("url", "ws://127.0.0.1:8080/ws").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).map(URI::create).toList();
  }

  /** The ws base URLs (scheme, host, port) for Gatling's {@code wsBaseUrls}. */
  static List<String> wsBases() {
    return urls().stream().map(u -> u.getScheme() + "://" + u.getRawAuthority()).toList();
  }

  /** The path of the WebSocket endpoint, from the first URL ({@code /ws}). */
  static String wsPath() {
    String p = urls().get(0).getRawPath();
    return p == null || p.isEmpty() ? "/ws" : p;
  }

  /** {@code lt.httpUrl}: base of the HTTP API; default: the first WebSocket URL's host over http(s). */
  static String httpBase() {
    URI u = urls().get(0);
    String scheme = "wss".equals(u.getScheme()) ? "https" : "http";
    return raw("httpUrl", scheme + "://" + u.getRawAuthority());
  }

  /** {@code lt.sourceAddresses}: local addresses to connect from, comma-separated (past ~19k connections on loopback). */
  static List<String> sourceAddresses() {
    return Arrays.stream(raw("sourceAddresses", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  // --- load -------------------------------------------------------------------------------------

  /** {@code lt.users}: connections of the connection-capacity simulation. */
  static int users() { return integer("users", 1000); }
  /** {@code lt.rampSeconds}: time over which connections (subscribers) are opened. */
  static int rampSeconds() { return integer("rampSeconds", 10); }
  /** {@code lt.holdSeconds}: how long idle connections are held once all are open. */
  static int holdSeconds() { return integer("holdSeconds", 30); }
  /** {@code lt.rooms}: rooms of the fan-out simulations. */
  static int rooms() { return integer("rooms", 10); }
  /** {@code lt.subscribersPerRoom}: subscribers of each room (Gatling virtual users). */
  static int subscribersPerRoom() { return integer("subscribersPerRoom", 50); }
  /** {@code lt.publishersPerRoom}: WebSocket publishers of each room. */
  static int publishersPerRoom() { return integer("publishersPerRoom", 1); }
  /** {@code lt.publishRate}: messages per second published in total, over all rooms. */
  static double publishRate() { return decimal("publishRate", 100); }
  /** {@code lt.payloadBytes}: payload size of each message (at least the 10-byte time stamp). */
  static int payloadBytes() { return Math.max(Wire.STAMP_BYTES, integer("payloadBytes", 100)); }
  /** {@code lt.durationSeconds}: how long publishers publish. */
  static int durationSeconds() { return integer("durationSeconds", 30); }
  /** {@code lt.graceSeconds}: how long subscribers keep listening after the last publish. */
  static int graceSeconds() { return integer("graceSeconds", 3); }
  /** {@code lt.tickMs}: how often a virtual user drains what it received (and answers pings). */
  static int tickMs() { return integer("tickMs", 100); }
  /** {@code lt.bufferMessages}: WebSocket messages buffered per connection between two ticks. */
  static int bufferMessages() { return integer("bufferMessages", 20_000); }
  /** {@code lt.backend}: how the backend-publish simulation injects: {@code http} or {@code redis}. */
  static String backend() { return raw("backend", "http"); }
  /** {@code lt.redis}: Redis of the cluster for {@code lt.backend=redis}, e.g. redis://127.0.0.1:6379. */
  static String redis() { return raw("redis", "redis://127.0.0.1:6379"); }
  /** {@code lt.keyPrefix}: the nodes' Redis key prefix. */
  static String keyPrefix() { return raw("keyPrefix", "roomcast:"); }
  /** {@code lt.slowShare}: share of each room's subscribers that read slowly (slow-consumer simulation). */
  static double slowShare() { return decimal("slowShare", 0.1); }
  /** {@code lt.slowReadBytesPerSecond}: how fast slow readers read; 0 = never. */
  static int slowReadBytesPerSecond() { return integer("slowReadBytesPerSecond", 0); }
  /** {@code lt.stormAtSeconds}: when, after the first publish, the reconnect storm happens. */
  static int stormAtSeconds() { return integer("stormAtSeconds", 10); }
  /** {@code lt.drainUrl}: if set, the storm is a node drain (POST here, on the node's own host) instead of clients closing. */
  static String drainUrl() { return raw("drainUrl", ""); }
  /** {@code lt.room}: prefix of room names; a run id keeps runs apart on a shared cluster. */
  static String roomPrefix() { return raw("roomPrefix", "lt-" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36) + "-"); }

  // --- auth -------------------------------------------------------------------------------------

  /** {@code lt.token}: a JWT to pass as-is ({@code ?token=} and {@code Authorization: Bearer}). */
  static String token() { return raw("token", ""); }
  /** {@code lt.tokenSecret}: an HS256 secret: each virtual user signs its own token (sub lt-N, all rooms). */
  static String tokenSecret() { return raw("tokenSecret", ""); }
  /** {@code lt.tokenTtlSeconds}: lifetime of signed tokens. */
  static int tokenTtlSeconds() { return integer("tokenTtlSeconds", 3600); }

  // --- SLOs -------------------------------------------------------------------------------------

  /** {@code lt.slo.p99Ms}: p99 broker-to-receiver latency of regular receivers must not exceed it. */
  static double sloP99Ms() { return decimal("slo.p99Ms", 250); }
  /** {@code lt.slo.lost}: messages lost (offset gaps and never delivered) must not exceed it. */
  static long sloLost() { return integer("slo.lost", 0); }
  /** {@code lt.slo.failedConnections}: failed WebSocket connects must not exceed it. */
  static long sloFailedConnections() { return integer("slo.failedConnections", 0); }
  /** {@code lt.slo.failedPercent}: failed requests of any other kind (subscribe, publish), in percent. */
  static double sloFailedPercent() { return decimal("slo.failedPercent", 0); }
  /** {@code lt.slo.reconnectP99Ms}: p99 time from disconnect to re-subscribed (reconnect storm). */
  static double sloReconnectP99Ms() { return decimal("slo.reconnectP99Ms", 5000); }

  /** {@code lt.out}: where the text summary goes. */
  static String out(String simulation) { return raw("out", "target/gatling/" + simulation + "-summary.txt"); }

  static Duration seconds(int s) { return Duration.ofSeconds(s); }
}
