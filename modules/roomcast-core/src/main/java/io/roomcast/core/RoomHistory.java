package io.roomcast.core;

import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How much history each room keeps for recovery: a default, and overrides for room-name prefixes
 * (the longest matching prefix wins), e.g. a long history for {@code orders:} and none for
 * {@code presence:}. The one history policy of every broker: the in-memory broker and the Redis
 * broker read it alike.
 *
 * @param defaults the policy of rooms no prefix matches
 * @param byPrefix overrides by room-name prefix
 */
public record RoomHistory(Policy defaults, Map<String, Policy> byPrefix) {
  public static final int DEFAULT_SIZE = 1000;
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /**
   * @param size messages kept (0 keeps none; approximately, in Redis)
   * @param ttl how long the history outlives the room's last publish: whole seconds, at least one,
   *     as Redis expires keys by the second
   */
  public record Policy(int size, Duration ttl) {
    public Policy {
      if (size < 0) throw new IllegalArgumentException("history size must not be negative: " + size);
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.toNanosPart() != 0) {
        throw new IllegalArgumentException("history ttl must be whole seconds, at least 1s: " + ttl);
      }
    }
  }

  public RoomHistory {
    Objects.requireNonNull(defaults, "defaults");
    byPrefix = longestFirst(byPrefix);
  }

  private static Map<String, Policy> longestFirst(Map<String, Policy> byPrefix) {
    Map<String, Policy> sorted = new LinkedHashMap<>();
    byPrefix.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).forEach(p -> {
      if (p.isEmpty()) throw new IllegalArgumentException("a history prefix must not be empty");
      sorted.put(p, Objects.requireNonNull(byPrefix.get(p), "policy of " + p));
    });
    return Collections.unmodifiableMap(sorted);
  }

  public static RoomHistory uniform(int size, Duration ttl) {
    return new RoomHistory(new Policy(size, ttl), Map.of());
  }

  public static RoomHistory defaultHistory() {
    return uniform(DEFAULT_SIZE, DEFAULT_TTL);
  }

  /** The policy of {@code room}: the longest matching prefix's, else {@link #defaults()}. */
  public Policy forRoom(String room) {
    for (var e : byPrefix.entrySet()) {
      if (room.startsWith(e.getKey())) return e.getValue();
    }
    return defaults;
  }
}
