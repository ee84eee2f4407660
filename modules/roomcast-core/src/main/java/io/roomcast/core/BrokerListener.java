package io.roomcast.core;

/** Receives the publications of the rooms a broker is subscribed to. */
@FunctionalInterface
public interface BrokerListener {
  /**
   * Called on a broker thread, for one room always from one thread at a time and in offset order.
   * Must not block.
   */
  void onPublication(Publication publication);
}
