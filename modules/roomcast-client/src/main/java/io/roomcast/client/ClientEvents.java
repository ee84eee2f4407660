package io.roomcast.client;

/** What happens to a {@link RoomcastClient}'s connection; every method defaults to doing nothing. */
public interface ClientEvents {
  /** A connection is up (the first, or a reconnect) and its resubscriptions were sent. */
  default void onConnected(boolean reconnect) {}

  /** A connection was lost or closed; {@code willReconnect} says whether the client tries again. */
  default void onDisconnected(ClosedBy how, boolean willReconnect) {}

  /**
   * A room's stream did not continue where the client stood (after a reconnect, or while connected
   * when history was lost): messages in between cannot be had, so the application should reload the
   * room's state. {@code offset} and {@code epoch} are where the stream goes on from; offset -1 when
   * the node refused the room on reconnect (rights or limits changed), or left it on its own (a pushed
   * {@code unsubscribed}, e.g. 403 after a refresh), and the client is no longer in it.
   */
  default void onRoomReset(String room, long offset, String epoch) {}

  /**
   * The node subscribed this client to {@code room} on its own: returns the listener of its messages.
   * For the personal room {@code @user} of the token's user (announced by a {@code subscribed} push at
   * connect), the client keeps the room like one it subscribed to and resumes it from its last
   * position after a reconnect; for the room of this very connection ({@code $<session>}, messages
   * without offsets) it is asked at the room's first message.
   */
  default RoomListener onServerSubscription(String room) {
    return RoomListener.IGNORE;
  }
}
