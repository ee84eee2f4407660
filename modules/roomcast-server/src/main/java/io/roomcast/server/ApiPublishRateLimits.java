package io.roomcast.server;

/**
 * The rate of the HTTP publish API that one credential (an API key, a token's subject) gets on one
 * node; above it a request gets 429 with {@code Retry-After}.
 *
 * @param perSecond publishes per second
 * @param burst publishes at once after a quiet spell, at least {@code perSecond}
 */
public record ApiPublishRateLimits(int perSecond, int burst) {
  public static final int DEFAULT_PER_SECOND = 1_000;
  public static final int DEFAULT_BURST = 2_000;

  public ApiPublishRateLimits {
    if (perSecond <= 0) throw new IllegalArgumentException("perSecond must be positive: " + perSecond);
    if (burst < perSecond) throw new IllegalArgumentException("burst (" + burst + ") must be at least perSecond (" + perSecond + ")");
  }

  public static ApiPublishRateLimits defaults() {
    return new ApiPublishRateLimits(DEFAULT_PER_SECOND, DEFAULT_BURST);
  }
}
