package io.roomcast.core;

/** Who may read a room's presence (members, counts, join and leave). */
public enum PresenceAccess {
  /** Nobody: the room's members are not even tracked. */
  OFF,
  /** Whoever may subscribe to the room, and the API. */
  SUBSCRIBERS,
  /** The HTTP API with an API key only; the room's members are tracked. */
  API
}
