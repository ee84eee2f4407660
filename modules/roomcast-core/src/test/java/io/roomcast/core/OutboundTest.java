package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How frames leave a node: batching per shard drain, the write delay, and the slow-consumer policies. */
class OutboundTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private Node node;

  @AfterEach
  void stop() {
    if (node != null) node.close();
  }

  private void nodeWith(SessionLimits limits, Outbound outbound) {
    node = Node.start(NodeConfig.defaults("test").withLimits(limits, Math.min(NodeConfig.DEFAULT_MAX_RECOVERED, limits.maxQueuedFrames())).withRoomLinger(Duration.ZERO).withOutbound(outbound),
        new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry, NodeSecurity.open(), loop);
  }

  private FakeClient client(TestLoop.Io io) {
    return new FakeClient(node, loop, io, WireFormat.PROTO);
  }

  @Test
  void publicationsWaitingForTheSameShardLeaveAsOneMessage() {
    nodeWith(SessionLimits.defaults(), Outbound.defaults());
    FakeClient publisher = client(ioA);
    FakeClient reader = client(ioB);
    reader.subscribed("feed");
    int batchesBefore = reader.connection.batches.size();

    for (int i = 1; i <= 10; i++) publisher.publish("feed", "m" + i);
    ioA.runAll(); // ten publications wait for the reader's thread, busy elsewhere
    assertThat(reader.connection.batches).hasSize(batchesBefore);
    loop.settle();

    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(10);
    assertThat(reader.offsets("feed")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void aWriteDelayGathersFramesThatArriveWithinIt() {
    nodeWith(SessionLimits.defaults(), Outbound.defaults().withWriteDelay(Duration.ofSeconds(1)));
    FakeClient publisher = client(ioA);
    FakeClient reader = client(ioB);
    reader.subscribed("feed");
    int batchesBefore = reader.connection.batches.size();

    for (int i = 1; i <= 4; i++) publisher.published("feed", "m" + i);
    loop.advance(Duration.ofMillis(999));
    publisher.published("feed", "m5");
    assertThat(reader.texts("feed")).isEmpty();
    loop.advance(Duration.ofMillis(1));

    assertThat(reader.texts("feed")).hasSize(5);
    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(5);
  }

  @Test
  void dropOldestKeepsAStalledClientWithinItsLimitsAndTellsItWhereToResume() {
    SessionLimits small = new SessionLimits(2048, 1024, 10, 4, 64, 4096, 20, 4096);
    nodeWith(small, Outbound.defaults().withSlowConsumer(SlowConsumerPolicy.DROP_OLDEST));
    FakeClient publisher = client(ioA);
    FakeClient stalled = client(ioB);
    FakeClient healthy = client(ioB);
    stalled.subscribed("feed");
    healthy.subscribed("feed");
    stalled.connection.stall();

    for (int i = 1; i <= 200; i++) publisher.published("feed", "x".repeat(100));

    assertThat(healthy.texts("feed")).hasSize(200);
    assertThat(stalled.offsets("feed")).containsExactly(1L); // m1 went out, and then the write stalled
    int framesAtStall = stalled.connection.frames.size();
    stalled.connection.resume();
    loop.settle();

    assertThat(stalled.connection.closedWith).isNull();
    ServerFrame first = stalled.connection.frames.get(framesAtStall);
    assertThat(first.hasLagged()).as("first frame after the stall: %s", first).isTrue();
    assertThat(first.getLagged().getRoom()).isEqualTo("feed");
    assertThat(first.getLagged().getPosition().getOffset()).isEqualTo(1); // the last one handed over
    List<Long> kept = stalled.offsets("feed").subList(1, stalled.offsets("feed").size());
    assertThat(kept).hasSizeLessThanOrEqualTo(small.maxQueuedFrames()).endsWith(200L).isSorted();
    assertThat(registry.find(MetricNames.MESSAGES_DROPPED).counter().count()).isEqualTo(200 - 1 - kept.size());
    assertThat(registry.find(MetricNames.SLOW_CONSUMERS).counter().count()).isZero();
  }

  @Test
  void dropOldestNeverDropsReplies() {
    SessionLimits small = new SessionLimits(2048, 1024, 10, 4, 64, 4096, 20, 4096);
    nodeWith(small, Outbound.defaults().withSlowConsumer(SlowConsumerPolicy.DROP_OLDEST));
    FakeClient publisher = client(ioA);
    FakeClient client = client(ioB);
    client.subscribed("feed");
    client.connection.stall();
    publisher.published("feed", "first"); // goes out, and the write stalls
    List<Integer> acks = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      publisher.published("feed", "y".repeat(100));
      if (i % 10 == 0) acks.add(client.publish("other", "mine " + i)); // replies queue among the messages
    }
    loop.settle();
    assertThat(registry.find(MetricNames.MESSAGES_DROPPED).counter().count()).isPositive();
    client.connection.resume();

    for (int id : acks) assertThat(client.reply(id).hasAck()).isTrue();
    assertThat(client.connection.closedWith).isNull();
  }

  @Test
  void aBroadcastFrameIsOneSharedObjectPerWireFormatWhateverItsSubscribersAndRepliesAreTheirOwn() {
    nodeWith(SessionLimits.defaults(), Outbound.defaults());
    FakeClient publisher = client(ioA);
    FakeClient protoA = client(ioA);
    FakeClient protoB = client(ioB);
    FakeClient json = new FakeClient(node, loop, ioB, WireFormat.JSON);
    for (FakeClient r : List.of(protoA, protoB, json)) r.subscribed("feed");
    int before = protoB.connection.wire.size();

    publisher.published("feed", "to all");

    WireFrame a = last(protoA);
    WireFrame b = last(protoB);
    assertThat(a).isSameAs(b); // one slot for the transport's compressed form, for the whole node
    assertThat(a.shared()).isTrue();
    assertThat(last(json)).isNotSameAs(a).matches(WireFrame::shared);
    assertThat(protoB.connection.wire.get(before - 1).shared()).as("the subscribed reply").isFalse();
  }

  private static WireFrame last(FakeClient c) {
    return c.connection.wire.get(c.connection.wire.size() - 1);
  }
}
