package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How fast one connection may publish. Above {@code perSecond} (with bursts up to {@code burst}) a
 * publish gets error 429; a client that keeps going, with more than {@code maxRefused} refused
 * publishes within {@code refusedWindow}, is closed with 4029.
 *
 * @param perSecond sustained publishes per second per connection
 * @param burst publishes a connection may send at once after being quiet
 * @param maxRefused refused publishes tolerated within {@code refusedWindow} before the close
 * @param refusedWindow the window over which refused publishes are counted
 */
public record PublishRateLimits(int perSecond, int burst, int maxRefused, Duration refusedWindow) {
  public static final int DEFAULT_PER_SECOND = 100;
  public static final int DEFAULT_BURST = 200;
  public static final int DEFAULT_MAX_REFUSED = 50;
  public static final Duration DEFAULT_REFUSED_WINDOW = Duration.ofSeconds(10);

  public PublishRateLimits {
    SessionLimits.positive("perSecond", perSecond);
    SessionLimits.positive("burst", burst);
    SessionLimits.positive("maxRefused", maxRefused);
    Objects.requireNonNull(refusedWindow, "refusedWindow");
    if (refusedWindow.isNegative() || refusedWindow.isZero()) {
      throw new IllegalArgumentException("refusedWindow must be positive: " + refusedWindow);
    }
    if (burst < perSecond) throw new IllegalArgumentException("burst (" + burst + ") must be at least perSecond (" + perSecond + ")");
  }

  public static PublishRateLimits defaults() {
    return new PublishRateLimits(DEFAULT_PER_SECOND, DEFAULT_BURST, DEFAULT_MAX_REFUSED, DEFAULT_REFUSED_WINDOW);
  }
}
