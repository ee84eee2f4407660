package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's meters follow what really happens: queued bytes, latency, publish round trips, bytes. */
class NodeMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private Node node;

  @AfterEach
  void stop() {
    if (node != null) node.close();
  }

  private Node start(NodeConfig config) {
    return Node.start(config, new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry, NodeSecurity.open(), loop);
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  @Test
  void queuedBytesRiseBehindAStalledWriteAndFallToZeroOnceItDrains() {
    node = start(NodeConfig.defaults("m").withRoomLinger(Duration.ZERO));
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("feed");
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isZero();
    reader.connection.stall();

    for (int i = 1; i <= 5; i++) publisher.reply(publisher.publish("feed", "y".repeat(200)));
    // The first message is in the stalled write; the four behind it wait in the queue, each over 200 bytes.
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isBetween(4 * 200.0, 4 * 300.0);

    reader.connection.resume();
    loop.settle();
    assertThat(reader.texts("feed")).hasSize(5);
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isZero();

    assertThat(registry.get(MetricNames.DELIVERY_LATENCY).timer().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.BROKER_PUBLISH).tag("outcome", "ok").timer().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.MESSAGES_DELIVERED).counter().count()).isEqualTo(5);
    assertThat(registry.get(MetricNames.BYTES_SENT).counter().count()).isGreaterThan(5 * 200);
    assertThat(registry.get(MetricNames.BYTES_RECEIVED).counter().count()).isGreaterThan(5 * 200);
    assertThat(gauge(MetricNames.BROKER_SUBSCRIPTIONS)).isEqualTo(1);
  }

  @Test
  void aSlowConsumersQueuedBytesAreReleasedWhenItIsCutOff() {
    node = start(NodeConfig.defaults("m").withLimits(new SessionLimits(2048, 1024, 10, 4, 64, 4096, 100, 4096), 100)
        .withRoomLinger(Duration.ZERO));
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    FakeClient stalled = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    stalled.subscribed("feed");
    stalled.connection.stall();

    for (int i = 0; i < 100; i++) publisher.reply(publisher.publish("feed", "x".repeat(100)));

    assertThat(stalled.connection.closedWith).isEqualTo(Disconnect.SLOW_CONSUMER);
    assertThat(gauge(MetricNames.OUTBOUND_QUEUED_BYTES)).isZero();
    assertThat(registry.get(MetricNames.CONNECTIONS_CLOSED).tag("code", "4008").counter().count()).isEqualTo(1);
    assertThat(registry.get(MetricNames.SLOW_CONSUMERS).counter().count()).isEqualTo(1);
  }
}
