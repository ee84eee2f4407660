package io.roomcast.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.MetricNames;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs refused handshakes without letting scanners flood the log: each refusal is a
 * metric increment and a debug line; at warn, one summary line per interval at most, with the
 * counts by reason since the last one.
 */
final class HandshakeRejections {
  private static final Logger log = LoggerFactory.getLogger(HandshakeRejections.class);
  static final Duration DEFAULT_SUMMARY_INTERVAL = Duration.ofMinutes(1);

  private final Map<Rejection, Counter> counters = new EnumMap<>(Rejection.class);
  /** Refusals since the last summary line, by reason. */
  private final Map<Rejection, LongAdder> sinceSummary = new EnumMap<>(Rejection.class);
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  /** When the next summary line may be written, in {@link #nanoTime} units; claimed by CAS so one thread writes it. */
  private final AtomicLong nextSummaryAt;

  HandshakeRejections(MeterRegistry registry, Duration interval, LongSupplier nanoTime) {
    for (Rejection r : Rejection.values()) {
      counters.put(r, registry.counter(MetricNames.HANDSHAKES_REJECTED, "reason", r.tag));
      sinceSummary.put(r, new LongAdder());
    }
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.nextSummaryAt = new AtomicLong(nanoTime.getAsLong());
  }

  HandshakeRejections(MeterRegistry registry) {
    this(registry, DEFAULT_SUMMARY_INTERVAL, System::nanoTime);
  }

  void record(Rejection r, String clientAddress) {
    counters.get(r).increment();
    sinceSummary.get(r).increment();
    log.debug("refused handshake from {}: {} {}", clientAddress, r.status, r.tag);
    long now = nanoTime.getAsLong();
    long due = nextSummaryAt.get();
    if (now - due >= 0 && nextSummaryAt.compareAndSet(due, now + intervalNanos)) {
      StringJoiner counts = new StringJoiner(", ");
      for (var e : sinceSummary.entrySet()) {
        long n = e.getValue().sumThenReset();
        if (n > 0) counts.add(e.getKey().tag + "=" + n);
      }
      log.warn("refused handshakes since the last report: {} (latest from {}); next report in {} at the earliest",
          counts, clientAddress, Duration.ofNanos(intervalNanos));
    }
  }
}
