package io.roomcast.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One step of a fan-out benchmark, on servers and subscribers already up: publishes at {@code rate}
 * for the warm-up and the measured window, measures the window (deliveries, latency, CPU of the
 * servers, Redis and this process from /proc, the servers' RSS each second), then waits until
 * deliveries cease and counts what was lost or reordered over the whole run. The same for roomcast
 * and for the baseline: only process ids and ports differ.
 */
final class FanoutStep {
  /** Longest wait for the last deliveries once the publisher stopped. */
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);
  /** Deliveries have ceased when none arrived for this long. */
  private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(2000);

  /** Most subscribers connecting (not subscribed yet) at a time. */
  private static final int CONNECTING = 100;

  private FanoutStep() {}

  static StepResult run(Clients clients, Publisher publisher, List<Long> serverPids, long redisPid, List<String> rooms,
      double rate, int payload, int warmup, int duration) throws InterruptedException {
    String load = Proc.loadAverage();
    Clients.Order before = clients.order();
    int live = before.members().values().stream().mapToInt(Integer::intValue).sum();
    Thread pub = new Thread(() -> {
      try {
        publisher.run(rooms, rate, payload, System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + duration));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }, "bench-publisher");
    pub.start();
    Thread.sleep(warmup * 1000L);

    clients.resetLatency();
    long m0 = clients.messages(), b0 = clients.bytes(), t0 = System.nanoTime();
    long cpu0 = cpu(serverPids), redis0 = redisPid > 0 ? Proc.cpuNanos(redisPid) : 0, self0 = selfCpu();
    long rssMin = Long.MAX_VALUE, rssMax = 0;
    for (int sec = 0; sec < duration; sec++) {
      Thread.sleep(1000);
      long rss = serverPids.stream().mapToLong(Proc::rssKib).sum();
      rssMin = Math.min(rssMin, rss);
      rssMax = Math.max(rssMax, rss);
    }
    long t1 = System.nanoTime(), m1 = clients.messages(), b1 = clients.bytes();
    long cpu1 = cpu(serverPids), redis1 = redisPid > 0 ? Proc.cpuNanos(redisPid) : 0, self1 = selfCpu();
    var latency = clients.latency();
    pub.join();

    long[] stillArriving = {0};
    Clients.Order after = drain(clients, publisher, stillArriving);
    double pubRate = rate > 0 ? rate : (double) publisher.published / (warmup + duration);
    return new StepResult((t1 - t0) / 1e9, m1 - m0, pubRate * live / rooms.size(), latency, b1 - b0,
        cpu1 - cpu0, redisPid > 0 ? redis1 - redis0 : -1, self1 - self0, rssMin, rssMax,
        publisher.published, publisher.errors.get(), after.lost(publisher::publishedTo), stillArriving[0] > 0, after.reordered(),
        clients.closed.get(), load);
  }

  /**
   * Waits until every publication reached every live member, or nothing arrived for 2 s, or 15 s
   * passed: then {@code stillArriving[0]} is set to 1 (what is missing is a backlog, not known lost).
   */
  private static Clients.Order drain(Clients clients, Publisher publisher, long[] stillArriving) throws InterruptedException {
    long deadline = System.nanoTime() + DRAIN_NANOS, last = clients.messages(), lastChange = System.nanoTime();
    while (true) {
      Clients.Order order = clients.order();
      long now = System.nanoTime();
      if (order.lost(publisher::publishedTo) <= 0 || now - lastChange > QUIET_NANOS) return order;
      if (now > deadline) {
        stillArriving[0] = 1;
        return order;
      }
      Thread.sleep(50);
      long m = clients.messages();
      if (m != last) {
        last = m;
        lastChange = System.nanoTime();
      }
    }
  }

  /**
   * Opens {@code subscribers} spread over {@code rooms} round-robin, and within a room over the
   * servers, with at most {@link #CONNECTING} not yet subscribed at a time (a busy server's accept
   * backlog would overflow otherwise); waits until all subscribed.
   */
  static void subscribe(Clients clients, List<String> sources, List<Integer> ports, List<String> rooms, int subscribers)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (int s = 0; s < subscribers; s++) {
      awaitFewerConnecting(clients, s, deadline);
      clients.open(sources.get(s % sources.size()), ports.get((s / rooms.size()) % ports.size()), rooms.get(s % rooms.size()), false);
    }
    // A connection reset before its subscription (a busy server's backlog) is opened again.
    String[] again;
    while (clients.subscribed.get() < subscribers && System.nanoTime() < deadline) {
      if ((again = clients.failedBeforeSubscribed.poll()) != null) clients.open(again[0], Integer.parseInt(again[1]), again[2], false);
      else Thread.sleep(20);
    }
    if (clients.subscribed.get() < subscribers) {
      throw new IllegalStateException("only " + clients.subscribed.get() + " of " + subscribers + " subscribed (" + clients.failedBeforeSubscribed.size() + " failed before)");
    }
  }

  private static void awaitFewerConnecting(Clients clients, int opened, long deadline) throws InterruptedException {
    while (opened - clients.subscribed.get() - clients.failedBeforeSubscribed.size() >= CONNECTING && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
  }

  private static long cpu(List<Long> pids) {
    return pids.stream().mapToLong(Proc::cpuNanos).sum();
  }

  private static long selfCpu() {
    return Proc.cpuNanos(ProcessHandle.current().pid());
  }
}
