package io.roomcast.core;

/**
 * How fast one connection may subscribe. Above {@code perSecond} (with bursts up to {@code burst}) a
 * subscribe gets error 429; a client that keeps going is closed with 4029 after as many refusals as
 * the publish rate tolerates ({@link PublishRateLimits#maxRefused()} within its window). Each subscribe
 * may cost the broker work (a Redis subscription, a read of the room's position), so a wildcard grant
 * must not let a client do it at line rate.
 *
 * @param perSecond sustained subscribes per second per connection
 * @param burst subscribes a connection may send at once after being quiet (a reconnecting client
 *     resubscribes all its rooms at once: keep it at least the most rooms per connection)
 */
public record SubscribeRateLimits(int perSecond, int burst) {
  public static final int DEFAULT_PER_SECOND = 20;
  public static final int DEFAULT_BURST = 200;

  public SubscribeRateLimits {
    SessionLimits.positive("perSecond", perSecond);
    SessionLimits.positive("burst", burst);
    if (burst < perSecond) throw new IllegalArgumentException("burst (" + burst + ") must be at least perSecond (" + perSecond + ")");
  }

  public static SubscribeRateLimits defaults() {
    return new SubscribeRateLimits(DEFAULT_PER_SECOND, DEFAULT_BURST);
  }
}
