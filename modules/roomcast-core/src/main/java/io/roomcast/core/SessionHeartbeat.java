package io.roomcast.core;

/**
 * One connection's heartbeat ({@link Heartbeat} holds its settings): a protocol {@code ping} every
 * interval, and a close when the client sent nothing within the timeout after it. Its checks are
 * timed by its I/O thread's {@link Heartbeats}, so an idle connection costs no timer of its own. On
 * the session's thread.
 */
final class SessionHeartbeat {
  private final Heartbeats timers;
  private final Heartbeat settings;
  /** Pinged, closed with 4009 when it does not answer in time; its heartbeat stops when it closes. */
  private final Session session;
  /** Whether the client sent anything since the last ping. */
  private boolean heard = true;
  /** Whether a ping was sent and its answer is awaited (the next check is the timeout's). */
  private boolean pinged;
  /** When the next check is due, in the scheduler's milliseconds; kept by {@link Heartbeats}. */
  long due;

  SessionHeartbeat(Heartbeats timers, Heartbeat settings, Session session) {
    this.timers = timers;
    this.settings = settings;
    this.session = session;
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
    if (session.isClosed()) return -1;
    if (!pinged) {
      heard = false;
      pinged = true;
      session.ping();
      return settings.timeout().toMillis();
    }
    if (!heard) {
      session.noPong();
      return -1;
    }
    pinged = false;
    return settings.interval().minus(settings.timeout()).toMillis();
  }
}
