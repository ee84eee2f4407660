package io.roomcast.client;

/**
 * How a connection ended: the close code and reason, and the server's advice from its
 * {@code disconnect} frame when it sent one (whether to reconnect, and how long to wait first).
 */
public record ClosedBy(int code, String reason, boolean reconnectAdvised, long retryAfterMs) {
  public ClosedBy(int code, String reason, boolean reconnectAdvised) {
    this(code, reason, reconnectAdvised, 0);
  }
}
