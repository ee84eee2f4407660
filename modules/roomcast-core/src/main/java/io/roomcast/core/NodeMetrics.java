package io.roomcast.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The meters the engine updates on hot paths, created once so no lookup happens per message. */
final class NodeMetrics {
  final MeterRegistry registry;
  final AtomicInteger open = new AtomicInteger();
  final Counter opened;
  final Counter received;
  /** Publications the broker delivered twice, dropped by the hub. */
  final Counter repeatsDropped;
  final Counter delivered;
  final Counter slowConsumers;
  final Counter droppedFrames;
  final Counter noPong;
  final Counter publishedWs;
  final Counter publishedHttp;
  final Counter tokensExpired;
  final Counter unauthenticated;
  final DistributionSummary batchFrames;
  final Timer deliveryLatency;
  final Counter bytesReceived;
  final Counter bytesSent;
  final Counter resubscribed;
  private final Timer publishOk;
  private final Timer publishError;
  private final Counter publishUnavailable;
  private final Counter publishFailed;
  /** Close counters by code; few distinct codes exist, so this stays small. */
  private final ConcurrentHashMap<Integer, Counter> closedByCode = new ConcurrentHashMap<>();

  /** Milliseconds since the Unix epoch: the node's clock, against which broker times are compared. */
  private final java.util.function.LongSupplier clock;

  NodeMetrics(MeterRegistry registry, java.util.function.LongSupplier clock) {
    this.registry = registry;
    this.clock = clock;
    Gauge.builder(MetricNames.CONNECTIONS_OPEN, open, AtomicInteger::get).register(registry);
    opened = registry.counter(MetricNames.CONNECTIONS_OPENED);
    received = registry.counter(MetricNames.MESSAGES_RECEIVED);
    repeatsDropped = registry.counter(MetricNames.MESSAGES_REPEATED);
    delivered = registry.counter(MetricNames.MESSAGES_DELIVERED);
    slowConsumers = registry.counter(MetricNames.SLOW_CONSUMERS);
    droppedFrames = registry.counter(MetricNames.MESSAGES_DROPPED);
    noPong = registry.counter(MetricNames.HEARTBEAT_TIMEOUTS);
    publishedWs = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "websocket");
    publishedHttp = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "http");
    tokensExpired = registry.counter(MetricNames.CONNECTIONS_CLOSED_EXPIRED);
    unauthenticated = registry.counter(MetricNames.CONNECTIONS_CLOSED_UNAUTHENTICATED);
    batchFrames = DistributionSummary.builder(MetricNames.BATCH_FRAMES).baseUnit("frames")
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(1024.0).register(registry);
    deliveryLatency = Timer.builder(MetricNames.DELIVERY_LATENCY)
        .description("broker time of a publication to its hand-off to local sessions")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    bytesReceived = Counter.builder(MetricNames.BYTES_RECEIVED).baseUnit("bytes").tag("layer", "message").register(registry);
    bytesSent = Counter.builder(MetricNames.BYTES_SENT).baseUnit("bytes").tag("layer", "message").register(registry);
    resubscribed = registry.counter(MetricNames.BROKER_RESUBSCRIPTIONS);
    publishOk = publishTimer("ok");
    publishError = publishTimer("error");
    publishUnavailable = registry.counter(MetricNames.BROKER_PUBLISH_ERRORS, "reason", "unavailable");
    publishFailed = registry.counter(MetricNames.BROKER_PUBLISH_ERRORS, "reason", "error");
  }

  private Timer publishTimer(String outcome) {
    return Timer.builder(MetricNames.BROKER_PUBLISH).tag("outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** Times a broker publish and counts its failure; returns the same stage. */
  <T> CompletionStage<T> timePublish(CompletionStage<T> publish) {
    long start = System.nanoTime();
    publish.whenComplete((v, e) -> {
      long nanos = System.nanoTime() - start;
      if (e == null) {
        publishOk.record(nanos, TimeUnit.NANOSECONDS);
      } else {
        publishError.record(nanos, TimeUnit.NANOSECONDS);
        Throwable cause = Failures.cause(e);
        (cause instanceof BrokerUnavailableException ? publishUnavailable : publishFailed).increment();
      }
    });
    return publish;
  }

  /** A publication handed to local sessions now; {@code timeMs} is the broker's time, 0 when unknown. */
  void handedOff(long timeMs) {
    if (timeMs > 0) deliveryLatency.record(Math.max(0, clock.getAsLong() - timeMs), TimeUnit.MILLISECONDS);
  }

  void closed(int code) {
    closedByCode.computeIfAbsent(code,
        c -> registry.counter(MetricNames.CONNECTIONS_CLOSED, "code", Integer.toString(c))).increment();
  }

  void rejected(String request, ErrorCode code) {
    registry.counter(MetricNames.REQUESTS_REJECTED, "request", request, "code", Integer.toString(code.code())).increment();
  }

  void requestFailed(String request) {
    registry.counter(MetricNames.REQUESTS_FAILED, "request", request).increment();
  }

  void malformed(String reason) {
    registry.counter(MetricNames.FRAMES_MALFORMED, "reason", reason).increment();
  }
}
