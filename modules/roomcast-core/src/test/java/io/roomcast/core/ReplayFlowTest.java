package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replays go out paced by the client's writes, so a client that reads is never cut off by its own
 * resume; and a reconnect storm reads a room's history once per node, its frames encoded once.
 */
class ReplayFlowTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private final RecoveryTest.LossyBroker broker =
      new RecoveryTest.LossyBroker(() -> new MemoryBroker(1000, Duration.ofHours(1), loop::nowMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), broker, registry,
      NodeSecurity.open(), loop);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aResumeOfAThousandMessagesOf60KbThroughA1MibQueueCompletesForAClientThatReads() {
    byte[] big = new byte[60_000]; // 1,000 of them: 60 MB, against a queue of 1 MiB
    for (int i = 0; i < 1000; i++) node.publish("big", Payload.binary(big));
    String epoch = broker.position("big").toCompletableFuture().join().epoch();
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.reply(resume(reader, 1, "big", 0, epoch));
    node.publish("big", Payload.text("live"));
    loop.settle();

    assertThat(reader.connection.closedWith).isNull();
    assertThat(subscribed.getSubscribed().getRecovered()).isTrue();
    assertThat(reader.offsets("big")).containsExactlyElementsOf(LongStream.rangeClosed(1, 1001).boxed().toList());
    assertThat(registry.counter(MetricNames.SLOW_CONSUMERS).count()).isZero();
    long maxMessage = SessionLimits.DEFAULT_MAX_QUEUED_BYTES / 2 + 70_000;
    assertThat(reader.connection.batches).allMatch(n -> n * 60_000L <= maxMessage);
  }

  @Test
  void aReplayLeavesRoomForRepliesAndOtherRoomsWhileItRuns() {
    byte[] big = new byte[60_000];
    for (int i = 0; i < 100; i++) node.publish("big", Payload.binary(big));
    String epoch = broker.position("big").toCompletableFuture().join().epoch();
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("chat");
    reader.connection.stall(); // the client has not read yet

    resume(reader, 50, "big", 0, epoch);
    ioB.runAll(); // the replay starts, and fills half the queue at most
    for (int i = 0; i < 20; i++) publisher.published("chat", "x".repeat(1000)); // live traffic of another room fits beside it
    int ping = reader.publish("chat", "mine");
    loop.settle();
    assertThat(reader.connection.closedWith).isNull();
    reader.connection.resume();
    loop.settle();

    assertThat(reader.connection.closedWith).isNull();
    assertThat(reader.reply(ping).hasAck()).isTrue();
    assertThat(reader.offsets("big")).hasSize(100);
    assertThat(reader.texts("chat")).hasSize(21);
  }

  @Test
  void aBusyRoomBehindALongReplayIsReadBackFromHistoryNotCutOff() {
    SessionLimits limits = new SessionLimits(65_536, 65_000, 100, 128, 128, 1 << 20, 20, 65_536); // holds 20 frames at most
    Node small = Node.start(NodeConfig.defaults("small").withLimits(limits, 20).withRoomLinger(Duration.ZERO),
        new MemoryBroker(1000, Duration.ofHours(1), loop::nowMillis), registry, NodeSecurity.open(), loop);
    try {
      byte[] big = new byte[60_000];
      for (int i = 0; i < 20; i++) small.publish("busy", Payload.binary(big));
      FakeClient publisher = new FakeClient(small, loop, ioA, WireFormat.PROTO);
      FakeClient reader = new FakeClient(small, loop, ioB, WireFormat.PROTO);
      String epoch = small.history("busy", 0, null, 1).toCompletableFuture().join().latest().epoch();
      reader.connection.stall();

      resume(reader, 50, "busy", 0, epoch);
      loop.settle(); // the replay is under way, paced by a client that does not read yet
      for (int i = 21; i <= 70; i++) publisher.published("busy", "live " + i); // more than the 20 it may hold
      reader.connection.resume();
      loop.settle();

      assertThat(reader.connection.closedWith).isNull();
      assertThat(reader.offsets("busy")).containsExactlyElementsOf(LongStream.rangeClosed(1, 70).boxed().toList());
      assertThat(reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED)).allMatch(ServerFrame::hasId); // no reset
    } finally {
      small.close();
    }
  }

  @Test
  void aReconnectStormReadsTheRoomOnceAndSharesItsEncodedFrames() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 5; i++) publisher.published("room", "m" + i);
    String epoch = broker.position("room").toCompletableFuture().join().epoch();
    List<FakeClient> readers = new ArrayList<>();
    for (int i = 0; i < 20; i++) readers.add(new FakeClient(node, loop, i % 2 == 0 ? ioA : ioB, WireFormat.PROTO));
    broker.holdHistory = true;

    for (FakeClient r : readers) resume(r, 9, "room", 1, epoch);
    loop.settle();
    broker.releaseHistory();
    loop.settle();

    assertThat(broker.historyReads).isEqualTo(1);
    assertThat(registry.counter(MetricNames.HISTORY_READS, "source", "broker").count()).isEqualTo(1);
    assertThat(registry.counter(MetricNames.HISTORY_READS, "source", "shared").count()).isEqualTo(19);
    List<WireFrame> first = messageWire(readers.get(0));
    assertThat(first).hasSize(4);
    for (FakeClient r : readers) {
      assertThat(r.reply(9).getSubscribed().getRecovered()).isTrue();
      assertThat(r.texts("room")).containsExactly("m2", "m3", "m4", "m5");
      List<WireFrame> mine = messageWire(r);
      for (int i = 0; i < 4; i++) assertThat(mine.get(i)).isSameAs(first.get(i)); // encoded once, for all
    }
  }

  @Test
  void aReadInFlightThatCannotSeeWhatCameBeforeALaterJoinerIsNotSharedWithIt() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 5; i++) publisher.published("room", "m" + i);
    String epoch = broker.position("room").toCompletableFuture().join().epoch();
    FakeClient early = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    FakeClient late = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    broker.holdHistory = true;
    broker.snapshotHeld = true; // the read sees the room as it is now (up to m5)

    resume(early, 9, "room", 1, epoch);
    loop.settle();
    publisher.published("room", "m6"); // reaches the node live: early holds it, late is not there yet
    resume(late, 9, "room", 1, epoch);
    loop.settle();
    broker.releaseHistory();
    loop.settle();

    assertThat(early.texts("room")).containsExactly("m2", "m3", "m4", "m5", "m6");
    assertThat(late.texts("room")).containsExactly("m2", "m3", "m4", "m5", "m6");
    assertThat(broker.historyReads).isEqualTo(2);
  }

  private static List<WireFrame> messageWire(FakeClient c) {
    List<WireFrame> out = new ArrayList<>();
    for (WireFrame w : c.connection.wire) if (w.shared()) out.add(w);
    return out;
  }

  private static int resume(FakeClient c, int id, String room, long offset, String epoch) {
    c.send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom(room)
        .setSince(Position.newBuilder().setOffset(offset).setEpoch(epoch))).build());
    return id;
  }
}
