package io.roomcast.server;

import io.roomcast.core.PresenceConfig;
import java.util.Objects;

/**
 * Presence as configured ({@code roomcast.presence.*}).
 *
 * @param config grace, ttl, refresh interval, member-list limit and who may read each room's presence
 * @param maxInfoBytes the largest {@code roomcast.info} claim a token may carry (as JSON); a token
 *     with a bigger one is refused at authentication
 */
public record PresenceSettings(PresenceConfig config, int maxInfoBytes) {
  public static final int DEFAULT_MAX_INFO_BYTES = 1024;

  public PresenceSettings {
    Objects.requireNonNull(config, "config");
    if (maxInfoBytes < 0) throw new IllegalArgumentException("maxInfoBytes must not be negative: " + maxInfoBytes);
  }

  public static PresenceSettings defaults() {
    return new PresenceSettings(PresenceConfig.defaults(), DEFAULT_MAX_INFO_BYTES);
  }
}
