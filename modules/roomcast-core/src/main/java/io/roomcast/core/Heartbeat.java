package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How the node checks that a client is still there: a protocol {@code ping} every {@code interval},
 * and a connection that sends nothing (no {@code pong}, no request, no WebSocket pong) for
 * {@code timeout} after a ping is closed with 4009. Browsers cannot send WebSocket pings, hence a
 * protocol-level ping that clients answer, so both ends can detect a dead link.
 */
public record Heartbeat(Duration interval, Duration timeout) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(25);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public Heartbeat {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("heartbeat timeout must be positive: " + timeout);
    if (interval.compareTo(timeout) <= 0) {
      throw new IllegalArgumentException("heartbeat interval (" + interval + ") must be longer than its timeout (" + timeout + ")");
    }
  }

  public static Heartbeat defaults() {
    return new Heartbeat(DEFAULT_INTERVAL, DEFAULT_TIMEOUT);
  }
}
