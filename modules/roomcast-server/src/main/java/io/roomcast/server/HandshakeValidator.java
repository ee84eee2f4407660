package io.roomcast.server;

import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a {@code GET /ws} is a well-formed WebSocket version 13 handshake (RFC 6455 section 4.2.1).
 * Pure, so it can be fuzzed: it sees headers through a function from name to first value.
 */
final class HandshakeValidator {
  private HandshakeValidator() {}

  /** @param header a header's first value by name (case-insensitive), or null when absent */
  static Optional<Rejection> check(Function<String, String> header) {
    boolean upgradesToWebSocket = hasToken(header.apply("Upgrade"), "websocket");
    String version = trimmed(header.apply("Sec-WebSocket-Version"));
    String key = header.apply("Sec-WebSocket-Key");
    // Plain HTTP on /ws, including a client's offer to upgrade to something else (the JDK's h2c): 426.
    if (!upgradesToWebSocket && version == null && key == null) return Optional.of(Rejection.NOT_WEBSOCKET);
    if (!upgradesToWebSocket) return Optional.of(Rejection.BAD_UPGRADE);
    if (!hasToken(header.apply("Connection"), "upgrade")) return Optional.of(Rejection.BAD_CONNECTION);
    if (!"13".equals(version)) return Optional.of(Rejection.BAD_VERSION);
    if (!validKey(key)) return Optional.of(Rejection.BAD_KEY);
    return Optional.empty();
  }

  /** Whether a comma-separated header holds {@code token} (case-insensitive): "keep-alive, Upgrade". */
  static boolean hasToken(String value, String token) {
    if (value == null) return false;
    for (String part : value.split(",", 64)) {
      if (part.trim().toLowerCase(Locale.ROOT).equals(token)) return true;
    }
    return false;
  }

  /** A nonce of exactly 16 bytes, base64 with padding: 24 characters. */
  static boolean validKey(String key) {
    String k = trimmed(key);
    if (k == null || k.length() != 24) return false;
    try {
      return Base64.getDecoder().decode(k).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String trimmed(String s) {
    return s == null ? null : s.trim();
  }
}
