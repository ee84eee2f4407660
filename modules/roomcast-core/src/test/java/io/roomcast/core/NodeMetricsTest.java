package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's meters follow what really happens: queued bytes, latency, publish round trips, bytes. */
class NodeMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService ioA = Executors.newSingleThreadExecutor();
  private final ExecutorService ioB = Executors.newSingleThreadExecutor();
  private Node node;

  @AfterEach
  void stop() {
    if (node != null) node.close();
    ioA.shutdownNow();
    ioB.shutdownNow();
  }

  private static ConditionFactory waiting() {
    return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5));
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  @Test
  void queuedBytesRiseBehindAStalledWriteAndFallToZeroOnceItDrains() {
    node = Node.start(NodeConfig.defaults("m").withRoomLinger(Duration.ZERO), new MemoryBroker(), registry);
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("feed");
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isZero();
    ioB.execute(reader.connection::stall);

    for (int i = 1; i <= 5; i++) publisher.awaitReply(publisher.publish("feed", "y".repeat(200)));
    // The first message is in the stalled write; the four behind it wait in the queue, each over 200 bytes.
    waiting().until(() -> gauge(MetricNames.OUTBOUND_QUEUED_BYTES) >= 4 * 200);
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isLessThan(4 * 300);

    reader.connection.resume();
    waiting().until(() -> reader.texts("feed").size() == 5);
    waiting().until(() -> gauge(MetricNames.OUTBOUND_QUEUED_BYTES) == 0);

    assertThat(registry.get(MetricNames.DELIVERY_LATENCY).timer().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.BROKER_PUBLISH).tag("outcome", "ok").timer().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.MESSAGES_DELIVERED).counter().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.BYTES_SENT).counter().count()).isGreaterThan(5 * 200);
    assertThat(registry.get(MetricNames.BYTES_RECEIVED).counter().count()).isGreaterThan(5 * 200);
    assertThat(gauge(MetricNames.BROKER_SUBSCRIPTIONS)).isEqualTo(1);
  }

  @Test
  void aSlowConsumersQueuedBytesAreReleasedWhenItIsCutOff() {
    node = Node.start(NodeConfig.defaults("m").withLimits(new SessionLimits(2048, 1024, 10, 4, 64, 4096, 100, 4096), 100)
        .withRoomLinger(Duration.ZERO), new MemoryBroker(), registry);
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient stalled = new FakeClient(node, ioB, WireFormat.PROTO);
    stalled.awaitSubscribed("feed");
    ioB.execute(stalled.connection::stall);

    for (int i = 0; i < 100; i++) publisher.awaitReply(publisher.publish("feed", "x".repeat(100)));

    waiting().until(() -> stalled.connection.closedWith == Disconnect.SLOW_CONSUMER);
    waiting().until(() -> gauge(MetricNames.OUTBOUND_QUEUED_BYTES) == 0);
    assertThat(registry.get(MetricNames.CONNECTIONS_CLOSED).tag("code", "4008").counter().count()).isEqualTo(1);
    assertThat(registry.get(MetricNames.SLOW_CONSUMERS).counter().count()).isEqualTo(1);
  }
}
