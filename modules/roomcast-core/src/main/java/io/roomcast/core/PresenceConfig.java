package io.roomcast.core;

import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a node keeps presence.
 *
 * @param grace how long a member who left may take to come back (to any node) without a leave and a
 *     join being published; 0 publishes the leave at once
 * @param ttl how long a node's members outlive its last refresh: the bound on ghosts of a dead node
 * @param refreshInterval how often the node refreshes all its members (one batch); well below ttl
 * @param maxMembers the most members a {@code presence} request lists; above it the answer is 413
 * @param defaultAccess who may read presence of rooms no prefix matches
 * @param byPrefix overrides by room-name prefix, the longest matching wins
 */
public record PresenceConfig(Duration grace, Duration ttl, Duration refreshInterval, int maxMembers, PresenceAccess defaultAccess,
    Map<String, PresenceAccess> byPrefix) {
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_MEMBERS = 1000;

  public PresenceConfig {
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    Objects.requireNonNull(defaultAccess, "defaultAccess");
    if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative: " + grace);
    if (refreshInterval.isNegative() || refreshInterval.isZero()) {
      throw new IllegalArgumentException("refreshInterval must be positive: " + refreshInterval);
    }
    if (ttl.compareTo(refreshInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("ttl (" + ttl + ") must be at least twice refreshInterval (" + refreshInterval + ")");
    }
    if (maxMembers < 0) throw new IllegalArgumentException("maxMembers must not be negative: " + maxMembers);
    byPrefix = longestFirst(byPrefix);
  }

  private static Map<String, PresenceAccess> longestFirst(Map<String, PresenceAccess> byPrefix) {
    Map<String, PresenceAccess> sorted = new LinkedHashMap<>();
    byPrefix.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
        .forEach(p -> sorted.put(p, Objects.requireNonNull(byPrefix.get(p), "access of " + p)));
    return Collections.unmodifiableMap(sorted);
  }

  public static PresenceConfig defaults() {
    return new PresenceConfig(DEFAULT_GRACE, DEFAULT_TTL, DEFAULT_REFRESH, DEFAULT_MAX_MEMBERS, PresenceAccess.SUBSCRIBERS, Map.of());
  }

  /** Presence off for every room: nothing tracked, nothing readable. */
  public static PresenceConfig off() {
    return new PresenceConfig(DEFAULT_GRACE, DEFAULT_TTL, DEFAULT_REFRESH, DEFAULT_MAX_MEMBERS, PresenceAccess.OFF, Map.of());
  }

  /** Who may read {@code room}'s presence; a session's own room ({@code $...}) has none. */
  public PresenceAccess access(String room) {
    if (RoomRights.isSessionRoom(room)) return PresenceAccess.OFF;
    for (var e : byPrefix.entrySet()) {
      if (room.startsWith(e.getKey())) return e.getValue();
    }
    return defaultAccess;
  }

  public PresenceConfig withTimes(Duration newGrace, Duration newTtl, Duration newRefresh) {
    return new PresenceConfig(newGrace, newTtl, newRefresh, maxMembers, defaultAccess, byPrefix);
  }
}
