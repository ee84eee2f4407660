package io.roomcast.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Why the server closes a connection: the WebSocket close code, a reason short enough for a close
 * frame (123 bytes), and whether reconnecting can help. The client gets it as a {@code disconnect}
 * frame just before the close frame with the same code. docs/protocol.md has the table.
 */
public record Disconnect(int code, String reason, boolean reconnect, long retryAfterMs) {
  public static final Disconnect NORMAL = new Disconnect(1000, "normal closure", false);
  public static final Disconnect GOING_AWAY = new Disconnect(1001, "node shutting down", true);
  public static final Disconnect UNSUPPORTED_DATA = new Disconnect(1003, "message type does not match the subprotocol", false);
  public static final Disconnect TOO_BIG = new Disconnect(1009, "message too big", false);
  public static final Disconnect INTERNAL = new Disconnect(1011, "internal error", true);
  public static final Disconnect MALFORMED = new Disconnect(4000, "malformed frame", false);
  public static final Disconnect TOKEN_EXPIRED = new Disconnect(4001, "token expired", true);
  public static final Disconnect NO_PONG = new Disconnect(4009, "no pong", true);
  public static final Disconnect UNAUTHENTICATED = new Disconnect(4003, "no valid token in time", false);
  public static final Disconnect SLOW_CONSUMER = new Disconnect(4008, "slow consumer", true);
  public static final Disconnect TOO_MANY_REQUESTS = new Disconnect(4029, "too many requests", true);

  public Disconnect {
    if (retryAfterMs < 0) throw new IllegalArgumentException("retryAfterMs must not be negative: " + retryAfterMs);
    if (code < 1000 || code > 4999) throw new IllegalArgumentException("close code out of range: " + code);
    Objects.requireNonNull(reason, "reason");
    if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
      throw new IllegalArgumentException("close reason longer than 123 bytes: " + reason);
    }
  }

  public Disconnect(int code, String reason, boolean reconnect) {
    this(code, reason, reconnect, 0);
  }

  /** The same code with a more precise reason (cut to fit a close frame). */
  public Disconnect because(String detail) {
    String r = reason + ": " + detail;
    while (r.getBytes(StandardCharsets.UTF_8).length > 123) r = r.substring(0, r.length() - 1);
    return new Disconnect(code, r, reconnect, retryAfterMs);
  }

  /** The same, advising the client to wait this long before reconnecting. */
  public Disconnect retryAfter(long millis) {
    return new Disconnect(code, reason, reconnect, millis);
  }
}
