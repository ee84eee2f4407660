package io.roomcast.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The rooms a principal may subscribe to and publish in. Each grant is an exact room name
 * ({@code chat}), a prefix pattern ending in {@code *} ({@code team-42:*} covers every room whose
 * name starts with {@code team-42:}), or {@code *} alone for every room.
 */
public record RoomPermissions(List<String> subscribe, List<String> publish) {
  /** Every room, both ways: an open node's anonymous clients, an API key. */
  public static final RoomPermissions ALL = new RoomPermissions(List.of("*"), List.of("*"));
  /** No room at all. */
  public static final RoomPermissions NONE = new RoomPermissions(List.of(), List.of());

  public RoomPermissions {
    subscribe = List.copyOf(Objects.requireNonNull(subscribe, "subscribe"));
    publish = List.copyOf(Objects.requireNonNull(publish, "publish"));
  }

  public boolean canSubscribe(String room) {
    return matches(subscribe, room);
  }

  public boolean canPublish(String room) {
    return matches(publish, room);
  }

  private static boolean matches(List<String> grants, String room) {
    // Grants are few (a token carries a handful): a scan is cheaper than building an index per token.
    for (String g : grants) {
      if (g.endsWith("*") ? room.startsWith(g.substring(0, g.length() - 1)) : g.equals(room)) return true;
    }
    return false;
  }

  /** Grants that are not exact names or prefix patterns, e.g. {@code a*b}; empty when all are fine. */
  public static List<String> invalidGrants(List<String> grants) {
    List<String> bad = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String g : grants) {
      if (g == null || g.isEmpty() || g.indexOf('*') != g.lastIndexOf('*')
          || (g.indexOf('*') >= 0 && !g.endsWith("*")) || !seen.add(g)) {
        bad.add(String.valueOf(g));
      }
    }
    return bad;
  }
}
