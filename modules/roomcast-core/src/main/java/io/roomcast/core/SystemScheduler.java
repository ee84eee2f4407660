package io.roomcast.core;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Production's {@link Scheduler}: the system clock and one daemon timer thread. */
public final class SystemScheduler implements Scheduler, AutoCloseable {
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "roomcast-timer");
    t.setDaemon(true);
    return t;
  });

  SystemScheduler() {
    timer.setRemoveOnCancelPolicy(true); // token expiries are cancelled when sessions close: drop them at once
  }

  @Override
  public long nowMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Scheduled schedule(Runnable task, long delay, TimeUnit unit) {
    var f = timer.schedule(task, delay, unit);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
