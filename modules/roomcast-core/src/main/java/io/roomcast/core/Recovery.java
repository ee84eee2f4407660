package io.roomcast.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletionStage;

/** Reads what a subscription missed from the broker's history, and counts how that went. */
final class Recovery {
  private final Broker broker;
  private final int limit;
  private final Counter recovered;
  private final Counter lost;
  private final Counter gapsRepaired;
  private final Counter gapsLost;

  Recovery(Broker broker, int limit, MeterRegistry registry) {
    this.broker = broker;
    this.limit = limit;
    this.recovered = registry.counter(MetricNames.RECOVERIES, "outcome", "recovered");
    this.lost = registry.counter(MetricNames.RECOVERIES, "outcome", "lost");
    this.gapsRepaired = registry.counter(MetricNames.GAPS, "outcome", "repaired");
    this.gapsLost = registry.counter(MetricNames.GAPS, "outcome", "lost");
  }

  /** History after {@code since}, at most the configured number of messages. */
  CompletionStage<History> after(String room, StreamPosition since) {
    return broker.history(room, since, limit);
  }

  CompletionStage<StreamPosition> position(String room) {
    return broker.position(room);
  }

  void countResume(boolean complete) {
    (complete ? recovered : lost).increment();
  }

  void countGap(boolean repaired) {
    (repaired ? gapsRepaired : gapsLost).increment();
  }
}
