package io.roomcast.core;

import java.util.Objects;

/**
 * A join or leave of a room, as the presence store publishes it on the room's channel: once per
 * identity (a user, or an anonymous session) entering or leaving the room, never for a member that
 * came back within the grace.
 */
public record PresenceEvent(String room, boolean join, PresenceMember member) {
  public PresenceEvent {
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(member, "member");
  }
}
