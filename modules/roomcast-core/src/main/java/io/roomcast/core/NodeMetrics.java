package io.roomcast.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The meters the engine updates on hot paths, created once so no lookup happens per message. */
final class NodeMetrics {
  final MeterRegistry registry;
  final AtomicInteger open = new AtomicInteger();
  final Counter opened;
  final Counter received;
  final Counter delivered;
  final Counter slowConsumers;
  final Counter noPong;
  final Counter publishedWs;
  final Counter publishedHttp;
  final Counter tokensExpired;
  final Counter unauthenticated;
  final DistributionSummary batchFrames;

  NodeMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(MetricNames.CONNECTIONS_OPEN, open, AtomicInteger::get).register(registry);
    opened = registry.counter(MetricNames.CONNECTIONS_OPENED);
    received = registry.counter(MetricNames.MESSAGES_RECEIVED);
    delivered = registry.counter(MetricNames.MESSAGES_DELIVERED);
    slowConsumers = registry.counter(MetricNames.SLOW_CONSUMERS);
    noPong = registry.counter(MetricNames.HEARTBEAT_TIMEOUTS);
    publishedWs = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "websocket");
    publishedHttp = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "http");
    tokensExpired = registry.counter(MetricNames.CONNECTIONS_CLOSED_EXPIRED);
    unauthenticated = registry.counter(MetricNames.CONNECTIONS_CLOSED_UNAUTHENTICATED);
    batchFrames = DistributionSummary.builder(MetricNames.BATCH_FRAMES).register(registry);
  }

  void closed(int code) {
    registry.counter(MetricNames.CONNECTIONS_CLOSED, "code", Integer.toString(code)).increment();
  }

  void rejected(String request, ErrorCode code) {
    registry.counter(MetricNames.REQUESTS_REJECTED, "request", request, "code", Integer.toString(code.code())).increment();
  }

  void malformed(String reason) {
    registry.counter(MetricNames.FRAMES_MALFORMED, "reason", reason).increment();
  }
}
