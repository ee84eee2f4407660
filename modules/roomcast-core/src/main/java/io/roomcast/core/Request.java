package io.roomcast.core;

import io.roomcast.protocol.v1.ServerFrame;

/**
 * One request of a client, as {@link Requests} carries it out: whose it is and the id its reply
 * echoes ({@code hasId} false when the client sent none).
 */
record Request(Session session, int id, boolean hasId) {
  /** What the node knows of the client's requests: principal, rooms, publish rate. */
  ClientState client() {
    return session.client();
  }

  /** Sends {@code frame} to the client (never dropped by drop-oldest). */
  void reply(ServerFrame frame) {
    session.outbox().reply(frame, null);
  }

  /** Runs {@code task} on the client's thread (from a broker thread, say), unless it closed meanwhile. */
  void later(Runnable task) {
    session.later(task);
  }
}
