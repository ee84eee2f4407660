package io.roomcast.bench;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The side-by-side benchmark's output: a line per step as it is measured, a Markdown table and the ratios at the end. */
final class SideBySideTable {
  private SideBySideTable() {}

  /** One step, as it is measured. */
  static String line(SideBySide.Row row) {
    StepResult r = row.result();
    return String.format("%-8s %7.0f/s warm-up %2ds%s: delivered %.0f/s, p50 %.2f p99 %.2f p99.9 %.2f ms, server %.2f µs/delivery (%.0f%% CPU), "
            + "Redis %.0f%%, load generator %.0f%%, RSS %d MiB, lost %s, reordered %d, closed %d, refused %d, load average %s",
        row.server(), row.deliveries(), row.warmup(), row.search() ? " (search)" : "", r.deliveredPerSecond(), r.ms(50), r.ms(99),
        r.ms(99.9), r.serverMicrosPerDelivery(), r.serverCpuPercent(), r.redisCpuPercent(), r.benchCpuPercent(), r.rssMaxKib() / 1024,
        r.lostText(), r.reordered(), r.closed(), r.refused(), r.loadAverage());
  }

  /** The table of every step, then per ladder step the ratios roomcast / baseline, then each server's capacities. */
  static void print(List<SideBySide.Row> rows, List<String> servers, double maxP99Ms, PrintStream out) {
    out.println("| deliveries/s | warm-up | server | delivered/s | p50 ms | p99 ms | p99.9 ms | server µs/delivery | server CPU | Redis CPU | load gen CPU | RSS MiB | lost | reordered | load avg |");
    out.println("| --: | --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |");
    List<SideBySide.Row> sorted = rows.stream().sorted(Comparator.comparingDouble(SideBySide.Row::deliveries)
        .thenComparingInt(SideBySide.Row::warmup).thenComparing(r -> servers.indexOf(r.server()))).toList();
    for (SideBySide.Row row : sorted) {
      StepResult r = row.result();
      out.printf("| %s%s | %d s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.0f %% | %.0f %% | %.0f %% | %d | %s | %d | %s |%n",
          k(row.deliveries()), row.search() ? " (search)" : "", row.warmup(), row.server(), r.deliveredPerSecond(), r.ms(50), r.ms(99),
          r.ms(99.9), r.serverMicrosPerDelivery(), r.serverCpuPercent(), r.redisCpuPercent(), r.benchCpuPercent(), r.rssMaxKib() / 1024,
          r.lostText(), r.reordered(), r.loadAverage().split(" ")[0]);
    }
    if (servers.contains("roomcast") && servers.contains("baseline")) {
      out.println();
      out.println("| deliveries/s | warm-up | roomcast / baseline: server µs per delivery | p99 | p99.9 |");
      out.println("| --: | --: | --: | --: | --: |");
      for (SideBySide.Row a : sorted) {
        if (!a.server().equals("roomcast")) continue;
        Optional<SideBySide.Row> b = sorted.stream().filter(x -> x.server().equals("baseline") && x.deliveries() == a.deliveries()
            && x.warmup() == a.warmup()).findFirst();
        b.ifPresent(base -> out.printf("| %s | %d s | %.2f | %.2f | %.2f |%n", k(a.deliveries()), a.warmup(),
            a.result().serverMicrosPerDelivery() / base.result().serverMicrosPerDelivery(), a.result().ms(99) / base.result().ms(99),
            a.result().ms(99.9) / base.result().ms(99.9)));
      }
    }
    out.println();
    for (String server : servers) {
      out.printf("%s: highest step sustained (p99 < %.0f ms, nothing lost or reordered) %s; with p99 < 50 ms %s%n", server, maxP99Ms,
          best(rows, server, maxP99Ms), best(rows, server, 50));
    }
  }

  private static String best(List<SideBySide.Row> rows, String server, double maxP99Ms) {
    return rows.stream().filter(r -> r.server().equals(server) && r.result().sustained(maxP99Ms))
        .max(Comparator.comparingDouble(SideBySide.Row::deliveries))
        .map(r -> String.format("%s (p99 %.1f ms, %.2f µs/delivery)", k(r.deliveries()), r.result().ms(99), r.result().serverMicrosPerDelivery()))
        .orElse("none");
  }

  /** 1000 as 1k, 220000 as 220k. */
  private static String k(double deliveries) {
    return deliveries >= 1000 && deliveries % 1000 == 0 ? String.format("%.0fk", deliveries / 1000) : String.format("%.0f", deliveries);
  }
}
