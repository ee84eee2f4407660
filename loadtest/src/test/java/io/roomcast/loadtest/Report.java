package io.roomcast.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The text summary of a run and its service-level objectives. Each SLO becomes a request named
 * {@code SLO ...} at the end of the run that fails when the objective is missed, so it shows in
 * Gatling's report and its assertions fail the run like any other.
 */
final class Report {
  private Report() {}

  /** One objective: a name for the report, the measured value, and whether it holds. */
  record Slo(String name, double measured, double limit) {
    boolean holds() {
      return measured <= limit;
    }

    @Override
    public String toString() {
      return String.format("%-44s measured %12s  limit %12s  %s", name, fmt(measured), fmt(limit), holds() ? "PASS" : "FAIL");
    }
  }

  static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format("%.2f", v);
  }

  static double p99Ms(Histogram h) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99) / 1000.0;
  }

  static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) return "no samples";
    return String.format("n=%d  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms", h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
  }

  private static String counts(Map<?, LongAdder> m) {
    if (m.isEmpty()) return "none";
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(": ").append(v.sum()));
    return b.toString();
  }

  /** The summary of everything recorded so far, with the SLO verdicts. */
  static String summary(String simulation, List<String> parameters, List<Slo> slos) {
    Stats s = Stats.RUN;
    StringBuilder b = new StringBuilder();
    b.append("== roomcast load test: ").append(simulation).append(" (").append(Instant.now()).append(")\n");
    b.append("parameters: ").append(String.join(" ", parameters)).append('\n');
    b.append(String.format("connections: %d connected; by node: %s%n", s.connected.sum(), counts(s.connectionsByNode)));
    b.append("  connect->connected  ").append(percentiles(s.connect)).append('\n');
    for (Stats.Group g : Stats.Group.values()) {
      long receivers = s.receivers.get(g).sum();
      if (receivers == 0) continue;
      b.append(String.format("%s receivers (%d): delivered %d, lost in gaps %d, duplicates %d%n", g.name().toLowerCase(),
          receivers, s.delivered.get(g).sum(), s.gapLost.get(g).sum(), s.duplicates.get(g).sum()));
      b.append("  broker->receiver    ").append(percentiles(s.brokerToReceiver.get(g))).append('\n');
      b.append("  publisher->receiver ").append(percentiles(s.publisherToReceiver.get(g))).append('\n');
    }
    long publishMs = s.firstPublishMs.get() == 0 || s.publishingEndedMs == 0 ? 0 : s.publishingEndedMs - s.firstPublishMs.get();
    double seconds = publishMs / 1000.0;
    long deliveredAll = s.delivered.values().stream().mapToLong(LongAdder::sum).sum();
    if (s.published.sum() > 0) {
      b.append(String.format("published %d (%.0f/s over %.1f s), acked %d, unanswered %d; publish->ack %s%n",
          s.published.sum(), seconds > 0 ? s.published.sum() / seconds : 0, seconds, s.acked.sum(), s.unanswered.sum(),
          percentiles(s.ack)));
      b.append(String.format("delivered %d messages, %.0f/s; missing at the end (regular receivers) %d%n", deliveredAll,
          seconds > 0 ? deliveredAll / seconds : 0, s.missingRegular()));
      if (s.gapsFromClearedBuffer.sum() > 0) {
        b.append("  not counted as lost: ").append(s.gapsFromClearedBuffer.sum())
            .append(" offsets skipped right after a pong (Gatling clears unread messages when a user sends)\n");
      }
    }
    if (s.warmupDeliveries.sum() > 0) {
      b.append("latencies leave out ").append(s.warmupDeliveries.sum()).append(" deliveries of the warm-up (lt.warmupSeconds)\n");
    }
    if (s.rawMessages.sum() > 0) b.append("messages without offset (raw PUBLISH): ").append(s.rawMessages.sum()).append('\n');
    if (s.reconnect.getTotalCount() > 0 || s.recovered.sum() + s.notRecovered.sum() > 0) {
      b.append(String.format("reconnects: recovered %d, not recovered %d, streams reset %d, attempts refused (retried) %d%n",
          s.recovered.sum(), s.notRecovered.sum(), s.resets.sum(), s.refusedReconnects.sum()));
      b.append("  disconnect->subscribed ").append(percentiles(s.reconnect)).append('\n');
    }
    if (s.refusedSubscribes.sum() > 0) b.append("subscribes refused or unanswered (retried): ").append(s.refusedSubscribes.sum()).append('\n');
    b.append("error codes: ").append(counts(s.errorCodes)).append("; disconnect codes: ").append(counts(s.disconnectCodes)).append('\n');
    for (String extra : EXTRA) b.append(extra).append('\n');
    b.append("SLOs:\n");
    for (Slo slo : slos) b.append("  ").append(slo).append('\n');
    b.append("verdict: ").append(slos.stream().allMatch(Slo::holds) ? "PASS" : "FAIL").append('\n');
    return b.toString();
  }

  /** Lines a simulation adds to its summary (e.g. the slow readers' fate). */
  static final List<String> EXTRA = new java.util.concurrent.CopyOnWriteArrayList<>();

  static void write(String simulation, String text) {
    Path out = Path.of(Settings.out(simulation));
    try {
      if (out.getParent() != null) Files.createDirectories(out.getParent());
      Files.writeString(out, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println(text);
    System.out.println("summary written to " + out.toAbsolutePath());
  }

  static List<Slo> deliverySlos() {
    Stats s = Stats.RUN;
    List<Slo> slos = new ArrayList<>();
    slos.add(new Slo("p99 broker->receiver latency, ms", p99Ms(s.brokerToReceiver.get(Stats.Group.REGULAR)), Settings.sloP99Ms()));
    slos.add(new Slo("lost messages (regular receivers)", s.lostRegular(), Settings.sloLost()));
    // A run that delivered nothing measured nothing: it fails rather than passing vacuously.
    slos.add(new Slo("no message delivered (1 = so)", s.delivered.get(Stats.Group.REGULAR).sum() == 0 ? 1 : 0, 0));
    return slos;
  }
}
