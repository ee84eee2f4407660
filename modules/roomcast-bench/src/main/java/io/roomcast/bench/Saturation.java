package io.roomcast.bench;

import java.util.List;
import java.util.function.DoubleFunction;

/**
 * The search for a server's highest sustained rate ({@link StepResult#sustained}): from the ladder's
 * highest sustained step and its lowest unsustained step above, doubling past the ladder when every
 * step held, then bisecting (geometrically) a few times, each probe a fresh step.
 */
final class Saturation {
  /** No probe above this rate. */
  private static final double CEILING = 4_000_000;

  private final double maxP99Ms;
  private final int steps;

  Saturation(double maxP99Ms, int steps) {
    this.maxP99Ms = maxP99Ms;
    this.steps = steps;
  }

  /** Runs the probes of {@code server} through {@code step} (deliveries per second to its result); {@code rows} holds every step so far. */
  void search(String server, List<SideBySide.Row> rows, DoubleFunction<StepResult> step) {
    double ok = 0, fail = Double.MAX_VALUE;
    for (SideBySide.Row r : List.copyOf(rows)) {
      if (!r.server().equals(server)) continue;
      if (r.result().sustained(maxP99Ms)) ok = Math.max(ok, r.deliveries());
    }
    for (SideBySide.Row r : List.copyOf(rows)) {
      if (r.server().equals(server) && !r.result().sustained(maxP99Ms) && r.deliveries() > ok) fail = Math.min(fail, r.deliveries());
    }
    if (ok == 0) {
      System.out.printf("saturation: %s sustained no step of the ladder%n", server);
      return;
    }
    for (int doubling = 0; fail == Double.MAX_VALUE && doubling < 3 && ok * 2 <= CEILING; doubling++) {
      double probe = ok * 2;
      if (step.apply(probe).sustained(maxP99Ms)) ok = probe;
      else fail = probe;
    }
    for (int i = 0; i < steps && fail != Double.MAX_VALUE; i++) {
      double probe = twoDigits(Math.sqrt(ok * fail));
      if (probe <= ok || probe >= fail) break;
      if (step.apply(probe).sustained(maxP99Ms)) ok = probe;
      else fail = probe;
    }
    System.out.printf("saturation: %s sustained %.0f deliveries/s (p99 < %.0f ms, nothing lost or reordered); %s%n", server, ok, maxP99Ms,
        fail == Double.MAX_VALUE ? "no step failed" : String.format("%.0f did not", fail));
  }

  /** {@code x} rounded to two significant digits (17,320 to 17,000): probes stay readable. */
  static double twoDigits(double x) {
    double grain = Math.pow(10, Math.floor(Math.log10(x)) - 1);
    return Math.round(x / grain) * grain;
  }
}
