package io.roomcast.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RoomcastClient} connects and reconnects.
 *
 * @param connectTimeout how long one connection attempt may take
 * @param reconnect whether to reconnect after a connection is lost (and the server did not say not to)
 * @param backoffMin the first reconnect delay; each failed attempt doubles it, with full jitter
 * @param backoffMax the largest reconnect delay
 * @param publishAttempts how many times a publish is sent, the first included, when it fails for a
 *     passing reason (error 503, no reply in time, the connection lost before the ack): every attempt
 *     carries the same idempotency key, so the node stores it once; 1 turns retries off
 */
public record ClientOptions(Duration connectTimeout, boolean reconnect, Duration backoffMin, Duration backoffMax, int publishAttempts) {
  public static final int DEFAULT_PUBLISH_ATTEMPTS = 3;
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(100);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(10);

  public ClientOptions {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(backoffMin, "backoffMin");
    Objects.requireNonNull(backoffMax, "backoffMax");
    if (backoffMin.isNegative() || backoffMin.isZero()) throw new IllegalArgumentException("backoffMin must be positive: " + backoffMin);
    if (backoffMax.compareTo(backoffMin) < 0) throw new IllegalArgumentException("backoffMax must not be below backoffMin");
    if (publishAttempts < 1) throw new IllegalArgumentException("publishAttempts must be at least 1: " + publishAttempts);
  }

  public ClientOptions(Duration connectTimeout, boolean reconnect, Duration backoffMin, Duration backoffMax) {
    this(connectTimeout, reconnect, backoffMin, backoffMax, DEFAULT_PUBLISH_ATTEMPTS);
  }

  /** Reconnects with the default backoff. */
  public static ClientOptions defaults() {
    return new ClientOptions(DEFAULT_CONNECT_TIMEOUT, true, DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX);
  }

  /** One connection, no reconnects, each publish sent once: for tests of what a server does to a connection. */
  public static ClientOptions once() {
    return new ClientOptions(DEFAULT_CONNECT_TIMEOUT, false, DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX, 1);
  }

  public ClientOptions withBackoff(Duration min, Duration max) {
    return new ClientOptions(connectTimeout, reconnect, min, max, publishAttempts);
  }

  public ClientOptions withPublishAttempts(int attempts) {
    return new ClientOptions(connectTimeout, reconnect, backoffMin, backoffMax, attempts);
  }
}
