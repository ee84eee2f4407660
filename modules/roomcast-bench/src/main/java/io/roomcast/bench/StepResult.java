package io.roomcast.bench;

import org.HdrHistogram.Histogram;

/**
 * What one measured window of a fan-out run saw: deliveries and their latency from the intended send
 * time, the CPU of the servers, of Redis and of the load generator over the window, the servers'
 * resident memory, and (over the whole run, warm-up included) what was lost or reordered.
 *
 * @param seconds length of the measured window
 * @param delivered messages the subscribers received in the window
 * @param expectedPerSecond publications per second times live subscribers per room
 * @param latency nanoseconds from each message's intended send time to its arrival, in the window
 * @param bytes bytes the subscribers read in the window
 * @param serverCpuNanos user + system CPU of all server processes in the window
 * @param redisCpuNanos the same for Redis; -1 without Redis
 * @param benchCpuNanos the same for this process (publisher, subscribers, and the orchestration)
 * @param rssMinKib smallest sum of the servers' VmRSS, sampled once a second
 * @param rssMaxKib largest such sum
 * @param published publications sent over the whole run
 * @param refused publications answered with an error
 * @param lost messages that never arrived (whole run: published per room times its live members, less what arrived)
 * @param backlog deliveries were still arriving 15 s after the last publish: {@code lost} counts a backlog, not known losses
 * @param reordered messages that arrived after a later one of their room (whole run)
 * @param closed subscriber connections closed or failed
 * @param loadAverage the machine's load average when the step began
 */
record StepResult(double seconds, long delivered, double expectedPerSecond, Histogram latency, long bytes,
    long serverCpuNanos, long redisCpuNanos, long benchCpuNanos, long rssMinKib, long rssMaxKib,
    long published, long refused, long lost, boolean backlog, long reordered, long closed, String loadAverage) {

  double deliveredPerSecond() {
    return delivered / seconds;
  }

  /** Latency at {@code percentile}, in milliseconds. */
  double ms(double percentile) {
    return latency.getValueAtPercentile(percentile) / 1e6;
  }

  double maxMs() {
    return latency.getMaxValue() / 1e6;
  }

  /** Server CPU per delivery, µs. */
  double serverMicrosPerDelivery() {
    return delivered == 0 ? 0 : serverCpuNanos / 1e3 / delivered;
  }

  /** Percent of one core. */
  double serverCpuPercent() {
    return serverCpuNanos / (seconds * 1e9) * 100;
  }

  double redisCpuPercent() {
    return redisCpuNanos < 0 ? 0 : redisCpuNanos / (seconds * 1e9) * 100;
  }

  double benchCpuPercent() {
    return benchCpuNanos / (seconds * 1e9) * 100;
  }

  /**
   * Sustained: at least 97 % of what was expected arrived in the window, p99 under {@code maxP99Ms},
   * nothing lost, nothing reordered, no connection closed.
   */
  boolean sustained(double maxP99Ms) {
    return deliveredPerSecond() >= 0.97 * expectedPerSecond && ms(99) < maxP99Ms && lost == 0 && reordered == 0 && closed == 0;
  }

  /** The lost count, or the backlog 15 s after the last publish when deliveries were still arriving. */
  String lostText() {
    return backlog ? "(" + lost + " queued)" : Long.toString(lost);
  }
}
