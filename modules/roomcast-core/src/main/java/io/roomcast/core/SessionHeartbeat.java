package io.roomcast.core;

import java.util.function.BooleanSupplier;

/**
 * One connection's heartbeat ({@link Heartbeat} holds its settings): a protocol {@code ping} every
 * interval, and a close when the client sent nothing within the timeout after it. Its checks are
 * timed by its I/O thread's {@link Heartbeats}, so an idle connection costs no timer of its own. On
 * the session's thread.
 */
final class SessionHeartbeat {
  private final Heartbeats timers;
  private final Heartbeat settings;
  /** Sends the protocol ping. */
  private final Runnable ping;
  /** Closes the connection: the client did not answer in time (4009). */
  private final Runnable dead;
  /** Whether the session closed: the heartbeat stops. */
  private final BooleanSupplier closed;
  /** Whether the client sent anything since the last ping. */
  private boolean heard = true;
  /** Whether a ping was sent and its answer is awaited (the next check is the timeout's). */
  private boolean pinged;
  /** When the next check is due, in the scheduler's milliseconds; kept by {@link Heartbeats}. */
  long due;

  SessionHeartbeat(Heartbeats timers, Heartbeat settings, Runnable ping, Runnable dead, BooleanSupplier closed) {
    this.timers = timers;
    this.settings = settings;
    this.ping = ping;
    this.dead = dead;
    this.closed = closed;
  }

  void start() {
    timers.add(this, settings.interval().toMillis());
  }

  /** The client sent something: a message, a pong, any sign of life. */
  void heard() {
    heard = true;
  }

  /** The check that is due: a ping, or the end of the wait for its answer. @return milliseconds to the next check, or -1: no more */
  long check() {
    if (closed.getAsBoolean()) return -1;
    if (!pinged) {
      heard = false;
      pinged = true;
      ping.run();
      return settings.timeout().toMillis();
    }
    if (!heard) {
      dead.run();
      return -1;
    }
    pinged = false;
    return settings.interval().minus(settings.timeout()).toMillis();
  }
}
