package io.roomcast.core;

/** Receives the publications of the rooms a broker is subscribed to. */
public interface BrokerListener {
  /**
   * Called on a broker thread, for one room always from one thread at a time and in offset order.
   * Must not block.
   */
  void onPublication(Publication publication);

  /**
   * The broker (re)made its subscription to {@code room} after a break (a reconnect, a relink to a new
   * primary, a slot move): publications made during the break may not have reached this node, so the
   * node re-reads the room's position and repairs what its members missed. Called on a broker thread,
   * after the subscription is in effect again. Must not block.
   */
  default void onResubscribed(String room) {
  }

  /**
   * A join or leave of a subscribed room, as the presence store published it on the room's channel.
   * Called on a broker thread, in the channel's order. Must not block.
   */
  default void onPresence(PresenceEvent event) {
  }
}
