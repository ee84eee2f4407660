package io.roomcast.it;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples out of a node's {@code /metrics} (Prometheus text format). */
final class Scrapes {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");

  private Scrapes() {}

  /** The value of the first sample of {@code name} whose labels contain {@code label}. */
  static OptionalDouble value(String scrape, String name, String label) {
    return scrape.lines().map(SAMPLE::matcher).filter(Matcher::matches)
        .filter(m -> m.group(1).equals(name) && (m.group(2) == null ? "" : m.group(2)).contains(label))
        .mapToDouble(m -> Double.parseDouble(m.group(3))).findFirst();
  }
}
