package io.roomcast.core;

/**
 * The rights of a principal on a room, personal rooms included. {@code @alice} is the personal room of
 * user {@code alice}: only her sessions are in it (the node subscribes them at connect) and only she may
 * read it; publishing needs the API credential or a publish grant that names personal rooms itself
 * ({@code @alice}, {@code @*}), never a bare {@code *}. {@code $<session>} is one connection: the node
 * subscribes it at connect, nobody subscribes to it, and only the API or a {@code $...} grant publishes.
 * Every other room follows the principal's grants.
 */
public final class RoomRights {
  private RoomRights() {}

  public static boolean isPersonalRoom(String room) {
    return room.length() > 1 && room.charAt(0) == '@';
  }

  public static boolean isSessionRoom(String room) {
    return room.length() > 1 && room.charAt(0) == '$';
  }

  /** The personal room of {@code p}, or null for an anonymous principal. */
  public static String personalRoomOf(Principal p) {
    if (p.subject().isEmpty() || Principal.ANONYMOUS_SUBJECT.equals(p.subject())) return null;
    return "@" + p.subject();
  }

  /** Whether {@code p} holds every right (an API key, an open node's clients). */
  static boolean unrestricted(Principal p) {
    return p.permissions() == RoomPermissions.ALL;
  }

  /** Whether {@code p} may subscribe to {@code room} (and read its history and presence). */
  public static boolean canSubscribe(Principal p, String room) {
    if (isPersonalRoom(room)) return room.equals(personalRoomOf(p)) || unrestricted(p);
    if (isSessionRoom(room)) return unrestricted(p);
    return p.permissions().canSubscribe(room);
  }

  /** Whether a session of {@code p} with id {@code session} may hold a subscription to {@code room}. */
  static boolean canHold(Principal p, String session, String room) {
    if (isSessionRoom(room)) return room.equals("$" + session);
    if (isPersonalRoom(room)) return room.equals(personalRoomOf(p));
    return p.permissions().canSubscribe(room);
  }

  /** Whether {@code p} may publish in {@code room}. */
  public static boolean canPublish(Principal p, String room) {
    if (unrestricted(p)) return true;
    if (isPersonalRoom(room) || isSessionRoom(room)) {
      char kind = room.charAt(0);
      for (String g : p.permissions().publish()) {
        if (!g.isEmpty() && g.charAt(0) == kind
            && (g.endsWith("*") ? room.startsWith(g.substring(0, g.length() - 1)) : g.equals(room))) {
          return true;
        }
      }
      return false;
    }
    return p.permissions().canPublish(room);
  }

  /** Whether {@code p} may read {@code room}'s presence under {@code access}. */
  public static boolean canReadPresence(Principal p, String room, PresenceAccess access) {
    return switch (access) {
      case OFF -> false;
      case API -> unrestricted(p);
      case SUBSCRIBERS -> canSubscribe(p, room);
    };
  }
}
