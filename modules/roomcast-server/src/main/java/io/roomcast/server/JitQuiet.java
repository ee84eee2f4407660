package io.roomcast.server;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Whether the JIT has gone quiet: over the last half second its compiler threads compiled for under
 * 5 % of the time. The warm-up runs until then (within its budget): a node that turns ready while
 * C2 still works through a queue of hot methods pays for those compilations, and runs their slower
 * profiled versions, under its first real traffic.
 */
final class JitQuiet {
  private static final long WINDOW_NANOS = 500_000_000L;
  private static final double QUIET_SHARE = 0.05;

  /** Compilation time so far, ms, all compiler threads; null where the JVM does not measure it (then never quiet). */
  private final LongSupplier compiled;
  /** Where the current window started, and the compilation time (ms, all compiler threads) then. */
  private long windowStart;
  private long compiledAtWindowStart;

  JitQuiet(long nowNanos) {
    this(nowNanos, thisJvmsCompilationTime());
  }

  JitQuiet(long nowNanos, LongSupplier compiledMillis) {
    this.compiled = compiledMillis;
    this.windowStart = nowNanos;
    this.compiledAtWindowStart = compiledMillis();
  }

  /** True once a whole window has passed with the compilers nearly idle; each call past a window starts the next one. */
  boolean quiet(long nowNanos) {
    if (compiled == null || nowNanos - windowStart < WINDOW_NANOS) return false;
    long compiled = compiledMillis();
    boolean quiet = (compiled - compiledAtWindowStart) * 1_000_000.0 < QUIET_SHARE * (nowNanos - windowStart);
    windowStart = nowNanos;
    compiledAtWindowStart = compiled;
    return quiet;
  }

  /** Compilation time so far, ms (0 where not measured). */
  long compiledMillis() {
    return compiled == null ? 0 : compiled.getAsLong();
  }

  private static LongSupplier thisJvmsCompilationTime() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : null;
  }
}
