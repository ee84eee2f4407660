package io.roomcast.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures of a chaos run and what broke its rules, as {@link ChaosChecker} found them. */
final class ChaosReport {
  private static final int LISTED = 4;

  long published;
  long acknowledged;
  long delivered;
  /** Acknowledged messages that at least one subscriber of their room never got. */
  long lost;
  /** Deliveries of acknowledged messages that did not happen, a reset having announced them. */
  long lostAnnounced;
  /** Deliveries of acknowledged messages that did not happen, and nobody said so (or Redis still holds them). */
  long lostSilently;
  long duplicated;
  long resets;
  long silentGaps;
  long silentEpochChanges;
  long regressions;
  long offsetsReused;
  long storedTwice;
  /** The same message delivered again in a later epoch (its publisher retried after Redis lost it): allowed. */
  long redeliveredAfterReset;
  final List<Long> deliveryLatenciesMs = new ArrayList<>();
  /** Latencies of messages published while their subscriber was away, delivered after it came back. */
  final List<Long> replayLatenciesMs = new ArrayList<>();
  /** Where each message was seen stored: room and id (joined by NUL) to its "epoch:offset"s. Filled by the checker. */
  final Map<String, List<String>> positions = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  /** The violations by kind ("silent gap", "duplicate", ...), in the order first seen. */
  private final Map<String, List<String>> byKind = new LinkedHashMap<>();

  void violation(String kind, String what) {
    violations.add(what);
    byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(what);
  }

  /** Whether a violation of {@code kind} would still be listed (worth explaining at length). */
  boolean wants(String kind) {
    return byKind.getOrDefault(kind, List.of()).size() < LISTED;
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  boolean clean() {
    return violations.isEmpty();
  }

  static long percentile(List<Long> values, double p) {
    if (values.isEmpty()) return -1;
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
  }

  /** One line of figures. */
  String figures() {
    return String.format("published %d, acknowledged %d, delivered %d, lost %d (deliveries: %d announced by a reset, %d silently),"
            + " duplicated %d, resets announced %d, silent gaps %d, silent epoch changes %d, regressions %d, offsets reused %d,"
            + " stored twice %d, redelivered after a reset %d, delivery p99 %d ms, replay p99 %d ms (%d replayed)",
        published, acknowledged, delivered, lost, lostAnnounced, lostSilently, duplicated, resets, silentGaps, silentEpochChanges,
        regressions, offsetsReused, storedTwice, redeliveredAfterReset, percentile(deliveryLatenciesMs, 0.99),
        percentile(replayLatenciesMs, 0.99), replayLatenciesMs.size());
  }

  /** The figures, and for each kind of violation how many and the first few, for an assertion message. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(figures());
    b.append("\n").append(violations.size()).append(" violations");
    byKind.forEach((kind, list) -> {
      b.append("\n ").append(list.size()).append(" x ").append(kind).append(':');
      for (String v : list.subList(0, Math.min(LISTED, list.size()))) b.append("\n    ").append(v);
      if (list.size() > LISTED) b.append("\n    ...");
    });
    return b.toString();
  }
}
