package io.roomcast.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The time and the threads of a core test, stepped by hand on the test's own thread: I/O threads
 * whose tasks queue up until the test runs them, and a clock and timer that move only when the test
 * advances them. Whatever interleaving or delay a test needs, it chooses; nothing races.
 */
final class TestLoop implements Scheduler {
  /** Where the clock starts: an arbitrary, fixed wall-clock time. */
  static final long START_MILLIS = 1_700_000_000_000L;

  private final List<Io> threads = new ArrayList<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  /** Nanoseconds since {@link #START_MILLIS}. */
  private long now;
  private long seq;

  /** A new I/O thread: its tasks wait until {@link Io#runAll}, {@link Io#runNext} or {@link #settle}. */
  Io io() {
    Io io = new Io();
    threads.add(io);
    return io;
  }

  /** Runs every I/O thread's tasks, and those they queue, until all are idle. Time stands still. */
  void settle() {
    boolean ran = true;
    while (ran) {
      ran = false;
      for (Io io : threads) ran |= io.runAll() > 0;
    }
  }

  /** Moves the clock on by {@code d}, firing each timer due on the way at its time, and settling after each. */
  void advance(Duration d) {
    settle();
    long target = now + d.toNanos();
    while (!timers.isEmpty() && timers.peek().due <= target) {
      Timer t = timers.poll();
      now = Math.max(now, t.due);
      if (!t.cancelled) t.task.run();
      settle();
    }
    now = target;
  }

  @Override
  public long nowMillis() {
    return START_MILLIS + TimeUnit.NANOSECONDS.toMillis(now);
  }

  @Override
  public Scheduled schedule(Runnable task, long delay, TimeUnit unit) {
    Timer t = new Timer(now + unit.toNanos(Math.max(0, delay)), seq++, task);
    timers.add(t);
    return () -> t.cancelled = true;
  }

  /** Timers not yet fired nor cancelled. */
  long pendingTimers() {
    return timers.stream().filter(t -> !t.cancelled).count();
  }

  private static final class Timer implements Comparable<Timer> {
    final long due;
    final long seq;
    final Runnable task;
    boolean cancelled;

    Timer(long due, long seq, Runnable task) {
      this.due = due;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public int compareTo(Timer o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  /** An I/O thread played by the test: {@link #execute} queues, the test runs. */
  static final class Io implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    /** Runs the oldest queued task; false when there was none. */
    boolean runNext() {
      Runnable r = tasks.poll();
      if (r == null) return false;
      r.run();
      return true;
    }

    /** Runs queued tasks, and those they queue, until none is left; returns how many ran. */
    int runAll() {
      int n = 0;
      while (runNext()) n++;
      return n;
    }

    int pending() {
      return tasks.size();
    }
  }
}
