package io.roomcast.core;

import java.util.function.BooleanSupplier;

/**
 * One connection's heartbeat ({@link Heartbeat} holds its settings): a protocol {@code ping} every
 * interval, and a close when the client sent nothing within the timeout after it. Its timers are
 * the connection's, so an idle connection costs nothing between pings. On the session's thread.
 */
final class SessionHeartbeat {
  private final Connection connection;
  private final Heartbeat settings;
  /** Sends the protocol ping. */
  private final Runnable ping;
  /** Closes the connection: the client did not answer in time (4009). */
  private final Runnable dead;
  /** Whether the session closed: the heartbeat stops. */
  private final BooleanSupplier closed;
  /** Whether the client sent anything since the last ping. */
  private boolean heard = true;

  SessionHeartbeat(Connection connection, Heartbeat settings, Runnable ping, Runnable dead, BooleanSupplier closed) {
    this.connection = connection;
    this.settings = settings;
    this.ping = ping;
    this.dead = dead;
    this.closed = closed;
  }

  void start() {
    connection.schedule(this::pingDue, settings.interval().toMillis());
  }

  /** The client sent something: a message, a pong, any sign of life. */
  void heard() {
    heard = true;
  }

  private void pingDue() {
    if (closed.getAsBoolean()) return;
    heard = false;
    ping.run();
    connection.schedule(this::pongDue, settings.timeout().toMillis());
  }

  private void pongDue() {
    if (closed.getAsBoolean()) return;
    if (!heard) {
      dead.run();
      return;
    }
    connection.schedule(this::pingDue, settings.interval().minus(settings.timeout()).toMillis());
  }
}
