package io.roomcast.core;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The heartbeats of one I/O thread's sessions, on one timer: each session's next check (a ping, or
 * the end of the wait for its answer) waits here in time order, and the timer is set for the earliest.
 * A session costs a place in the queue, not a timer of its own (XNIO's was a map entry and a key
 * object per connection, and a timer set per connect). A closed session is dropped when its check
 * comes. Touched only on the thread's {@link #executor}.
 */
final class Heartbeats {
  private final Executor executor;
  private final Scheduler scheduler;
  /** Sessions by the time of their next check, earliest first. */
  private final PriorityQueue<SessionHeartbeat> due = new PriorityQueue<>(Comparator.comparingLong(h -> h.due));
  /** {@link #sweep} as a task for the timer, made once. */
  private final Runnable sweepTask;
  /** The timer set for {@link #timerAt}; null when none. */
  private Scheduler.Scheduled timer;
  /** When the timer fires, in the scheduler's milliseconds; {@code Long.MAX_VALUE} when none is set. */
  private long timerAt = Long.MAX_VALUE;

  Heartbeats(Executor executor, Scheduler scheduler) {
    this.executor = executor;
    this.scheduler = scheduler;
    Runnable sweep = this::sweep;
    this.sweepTask = () -> executor.execute(sweep);
  }

  /** Checks {@code h} in {@code delayMillis}. */
  void add(SessionHeartbeat h, long delayMillis) {
    h.due = scheduler.nowMillis() + delayMillis;
    due.add(h);
    arm();
  }

  /** Runs every check that is due, each scheduling its next, then sets the timer for the earliest left. */
  private void sweep() {
    timer = null;
    timerAt = Long.MAX_VALUE;
    long now = scheduler.nowMillis();
    SessionHeartbeat h;
    while ((h = due.peek()) != null && h.due <= now) {
      due.poll();
      long next = h.check();
      if (next >= 0) {
        h.due = now + next;
        due.add(h);
      }
    }
    arm();
  }

  private void arm() {
    SessionHeartbeat first = due.peek();
    if (first == null || first.due >= timerAt) return;
    if (timer != null) timer.cancel(); // a stale sweep that runs anyway only finds nothing due
    timerAt = first.due;
    timer = scheduler.schedule(sweepTask, Math.max(0, first.due - scheduler.nowMillis()), TimeUnit.MILLISECONDS);
  }
}
