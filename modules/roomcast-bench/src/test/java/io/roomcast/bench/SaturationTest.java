package io.roomcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SaturationTest {
  /** The rates the search probed, in order. */
  private final List<Double> probes = new ArrayList<>();

  /** A step at {@code deliveries} per second whose server holds up to {@code capacity}: all delivered, p99 10 ms; else p99 5 s. */
  private static StepResult step(double deliveries, double capacity) {
    Histogram h = new Histogram(60_000_000_000L, 3);
    h.recordValue(deliveries <= capacity ? 10_000_000L : 5_000_000_000L);
    return new StepResult(1, (long) deliveries, deliveries, h, 0, 0, -1, 0, 0, 0, 0, 0, 0, false, 0, 0, "0");
  }

  private List<SideBySide.Row> ladder(double capacity, double... rates) {
    List<SideBySide.Row> rows = new ArrayList<>();
    for (double r : rates) rows.add(new SideBySide.Row("s", r, 3, false, step(r, capacity)));
    return rows;
  }

  @Test
  void bisectsGeometricallyBetweenTheLaddersLastHeldStepAndItsFirstFailedOne() {
    new Saturation(1000, 3).search("s", ladder(30_000, 10_000, 40_000, 100_000), rate -> {
      probes.add(rate);
      return step(rate, 30_000);
    });
    // sqrt(10k × 40k) = 20k holds; sqrt(20k × 40k) = 28.3k holds; sqrt(28k × 40k) = 33.5k fails
    assertThat(probes).containsExactly(20_000.0, 28_000.0, 33_000.0);
  }

  @Test
  void doublesPastALadderThatHeldEverywhere() {
    new Saturation(1000, 1).search("s", ladder(1e9, 1_000, 400_000), rate -> {
      probes.add(rate);
      return step(rate, 1_000_000);
    });
    assertThat(probes).containsExactly(800_000.0, 1_600_000.0, 1_100_000.0);
  }

  @Test
  void roundsProbesToTwoSignificantDigits() {
    assertThat(Saturation.twoDigits(17_320)).isEqualTo(17_000);
    assertThat(Saturation.twoDigits(282_842)).isEqualTo(280_000);
  }
}
