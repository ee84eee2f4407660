package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/** The node's meter registry as ops scrape it: Prometheus, with the JVM, GC and process binders. */
final class Metrics {
  /** The Prometheus text exposition format that {@link PrometheusMeterRegistry#scrape()} writes. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private Metrics() {}

  /** A Prometheus registry with the JVM binders bound; the GC binder is closed with the JVM. */
  static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bindJvm(registry);
    return registry;
  }

  static void bindJvm(MeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmHeapPressureMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /**
   * {@code GET /metrics}: the registry in Prometheus text format, rendered off the I/O thread; 404
   * when the node runs on another kind of registry (embedded in a test, say).
   */
  static HttpHandler endpoint(MeterRegistry registry) {
    return exchange -> {
      if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
        exchange.setStatusCode(StatusCodes.NOT_FOUND);
        exchange.getResponseSender().send("metrics are not exported by this node's registry\n");
        return;
      }
      if (exchange.isInIoThread()) {
        exchange.dispatch(() -> {
          exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
          exchange.getResponseSender().send(prometheus.scrape());
        });
        return;
      }
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, CONTENT_TYPE);
      exchange.getResponseSender().send(prometheus.scrape());
    };
  }
}
