package io.roomcast.core;

import java.util.concurrent.TimeUnit;

/**
 * The node's clock and timer: everything in the core that reads the time or runs something later
 * goes through it, so tests can choose the time (a hand-advanced scheduler) and production keeps the
 * system clock and one timer thread ({@link #system()}). A task runs on the scheduler's own thread
 * and must hop to a session's thread itself.
 */
public interface Scheduler {
  /** Milliseconds since the Unix epoch. */
  long nowMillis();

  /** Runs {@code task} once after {@code delay}. */
  Scheduled schedule(Runnable task, long delay, TimeUnit unit);

  /** A task waiting to run. */
  @FunctionalInterface
  interface Scheduled {
    /** It will not run (if it has not yet). */
    void cancel();
  }

  /** The system clock and one daemon timer thread, stopped by {@link SystemScheduler#close()}. */
  static SystemScheduler system() {
    return new SystemScheduler();
  }
}
