package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 on a connected client: offsets that go back are a reset, a new epoch is delivered from
 * its first message, what a broker reconnect lost is repaired at once, and a passing history failure
 * is tried again before anyone is told recovered: false.
 */
class StreamContinuityTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private final RecoveryTest.LossyBroker broker =
      new RecoveryTest.LossyBroker(() -> new MemoryBroker(100, Duration.ofHours(1), loop::nowMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), broker, registry,
      NodeSecurity.open(), loop);
  private final FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
  private final FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void anOffsetAtOrBelowTheLastLiveOneOfTheEpochIsAResetNotADuplicate() {
    reader.subscribed("room");
    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    String epoch = epochOf("room");

    // Redis came back from an older snapshot (offset 1) and hands out offset 2 again, same epoch.
    broker.inject(new Publication("room", Payload.text("another m2"), 2, epoch, 1L));
    broker.inject(new Publication("room", Payload.text("another m3"), 3, epoch, 1L));
    loop.settle();

    assertThat(reader.texts("room")).containsExactly("m1", "m2", "m3", "another m2", "another m3");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(1).setEpoch(epoch).build());
    assertThat(resets().get(0).getSubscribed().getRecovered()).isFalse();
    assertThat(registry.counter(MetricNames.STREAM_RESETS).count()).isEqualTo(1);
  }

  @Test
  void theResetComesBeforeTheRegressedMessageAndTheStreamGoesOnAfterIt() {
    reader.subscribed("room");
    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    String epoch = epochOf("room");

    broker.inject(new Publication("room", Payload.text("back to 1"), 1, epoch, 1L));
    loop.settle();

    List<ServerFrame> frames = reader.connection.frames;
    ServerFrame reset = frames.get(frames.size() - 2);
    assertThat(reset.hasSubscribed() && !reset.hasId()).as("the reset, then the message: %s", frames).isTrue();
    assertThat(reset.getSubscribed().getPosition().getOffset()).isZero();
    assertThat(frames.get(frames.size() - 1).getMessage().getText()).isEqualTo("back to 1");
  }

  @Test
  void aNewEpochMetWhileConnectedIsDeliveredFromItsFirstMessage() {
    reader.subscribed("room");
    publisher.published("room", "old 1");
    broker.restart(); // Redis lost everything: a new epoch
    broker.dropOffsets.addAll(List.of(1L, 2L)); // its first two never reach this node live

    for (int i = 1; i <= 4; i++) publisher.published("room", "new " + i);

    String fresh = epochOf("room");
    assertThat(reader.texts("room")).containsExactly("old 1", "new 1", "new 2", "new 3", "new 4");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(0).setEpoch(fresh).build());
    int resetAt = reader.connection.frames.indexOf(resets().get(0));
    assertThat(reader.connection.frames.get(resetAt + 1).getMessage().getText()).isEqualTo("new 1");
  }

  @Test
  void whatABrokerReconnectLostIsRepairedAtOnceInAQuietRoom() {
    reader.subscribed("room");
    publisher.published("room", "m1");
    broker.broken = true; // the pub/sub link breaks; publishes still succeed

    publisher.published("room", "m2");
    publisher.published("room", "game over");
    assertThat(reader.texts("room")).containsExactly("m1");
    broker.resubscribed("room"); // and nothing is published after it
    loop.settle();

    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L);
    assertThat(resets()).isEmpty();
    assertThat(registry.counter(MetricNames.BROKER_RESUBSCRIPTIONS).count()).isEqualTo(1);
  }

  @Test
  void aResubscriptionToAStoreThatLostEverythingIsAResetThenTheNewEpoch() {
    reader.subscribed("room");
    publisher.published("room", "m1");
    broker.broken = true;
    broker.restart();
    publisher.published("room", "new 1");
    publisher.published("room", "new 2");

    broker.resubscribed("room");
    loop.settle();

    assertThat(reader.texts("room")).containsExactly("m1", "new 1", "new 2");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(0).setEpoch(epochOf("room")).build());
  }

  @Test
  void aSubscriberWhoseRoomHasNoStreamAnyMoreKeepsItsEpochAndMeetsTheNextOneAsARestart() {
    reader.subscribed("room");
    publisher.published("room", "m1");
    String before = epochOf("room");
    broker.broken = true;
    broker.restart(); // nothing kept, nothing published yet: the store has no stream for the room

    broker.resubscribed("room");
    loop.settle();
    broker.dropOffsets.add(1L); // the new epoch's first message never reaches this node live
    publisher.published("room", "new 1");
    publisher.published("room", "new 2");

    assertThat(reader.texts("room")).containsExactly("m1", "new 1", "new 2");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition()).containsExactly(
        Position.newBuilder().setOffset(1).setEpoch(before).build(), // never "no stream" (0, ""): the next epoch would pass as its continuation
        Position.newBuilder().setOffset(0).setEpoch(epochOf("room")).build());
  }

  @Test
  void aResumeIntoARoomWithoutAStreamKeepsTheClientsEpochSoTheNextOneIsARestart() {
    publisher.published("room", "m1");
    String before = epochOf("room");
    broker.restart();

    reader.send(ClientFrame.newBuilder().setId(7).setSubscribe(Subscribe.newBuilder().setRoom("room")
        .setSince(Position.newBuilder().setOffset(1).setEpoch(before))).build());
    loop.settle();
    broker.dropOffsets.add(1L);
    publisher.published("room", "new 1");
    publisher.published("room", "new 2");

    assertThat(reader.reply(7).getSubscribed().getRecovered()).isFalse();
    assertThat(reader.reply(7).getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(1).setEpoch(before).build());
    assertThat(reader.texts("room")).containsExactly("new 1", "new 2");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(0).setEpoch(epochOf("room")).build());
  }

  @Test
  void aStoreThatWentBackDuringABreakIsAResetAtItsPositionAndItsOffsetsAreNotDropped() {
    reader.subscribed("room");
    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    String epoch = epochOf("room");
    broker.broken = true;
    broker.nextHistory = History.lost(new StreamPosition(1, epoch)); // Redis came back from a snapshot at offset 1

    broker.resubscribed("room");
    loop.settle();
    broker.inject(new Publication("room", Payload.text("another m2"), 2, epoch, 1L));
    loop.settle();

    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(1).setEpoch(epoch).build());
    assertThat(reader.texts("room")).containsExactly("m1", "m2", "m3", "another m2");
  }

  @Test
  void aGapWhoseStoreWentBackBeforeItIsAResetNotARepairLoop() {
    reader.subscribed("room");
    publisher.published("room", "m1");
    String epoch = epochOf("room");
    // m4 reached the node, then the store came back at offset 1: the read says nothing follows m1.
    broker.nextHistory = new History(List.of(), new StreamPosition(1, epoch), true);

    broker.inject(new Publication("room", Payload.text("m4"), 4, epoch, 1L));
    loop.settle();

    assertThat(reader.texts("room")).containsExactly("m1", "m4");
    assertThat(resets()).extracting(f -> f.getSubscribed().getPosition())
        .containsExactly(Position.newBuilder().setOffset(3).setEpoch(epoch).build());
    assertThat(broker.historyReads).isEqualTo(1);
  }

  @Test
  void aResubscriptionWhileLiveMessagesFlowNeitherRepeatsNorLosesOne() {
    reader.subscribed("room");
    publisher.published("room", "m1");
    broker.broken = true;
    publisher.published("room", "m2");
    broker.holdHistory = true;

    broker.resubscribed("room");
    loop.settle(); // the repair's read is on its way
    publisher.published("room", "m3"); // live, held behind the repair
    broker.releaseHistory();
    publisher.published("room", "m4");
    loop.settle();

    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L, 4L);
    assertThat(resets()).isEmpty();
  }

  @Test
  void aPassingHistoryFailureIsTriedAgainBeforeTheClientIsToldOfALoss() {
    reader.subscribed("room");
    broker.dropOffsets.add(2L);
    broker.failHistory = 2;

    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    assertThat(reader.offsets("room")).as("m3 waits behind the repair").containsExactly(1L);
    loop.advance(Duration.ofMillis(Recovery.FIRST_BACKOFF_MS * 3 - 1));
    assertThat(reader.offsets("room")).containsExactly(1L);
    loop.advance(Duration.ofMillis(1)); // the third attempt, after 100 + 200 ms

    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L);
    assertThat(resets()).isEmpty();
    assertThat(registry.counter(MetricNames.HISTORY_RETRIES).count()).isEqualTo(2);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "repaired").count()).isEqualTo(1);
  }

  @Test
  void aRepairWaitsOutABrokerThatRefusesHistoryForSecondsAndLosesNothing() {
    reader.subscribed("room");
    broker.dropOffsets.add(2L);
    broker.failHistory = 10; // a breaker that stays open for ~10 s after Redis came back

    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    loop.advance(Duration.ofSeconds(10));
    assertThat(reader.offsets("room")).as("m3 waits behind the repair").containsExactly(1L);
    loop.advance(Duration.ofSeconds(10));

    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L);
    assertThat(resets()).isEmpty();
    assertThat(broker.historyReads).isEqualTo(11);
  }

  @Test
  void aHistoryThatStaysDownIsReportedOnceTheRepairsPatienceIsSpent() {
    reader.subscribed("room");
    broker.dropOffsets.add(2L);
    broker.failHistory = Integer.MAX_VALUE;

    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    loop.advance(Duration.ofMillis(Recovery.REPAIR_PATIENCE_MS - Recovery.MAX_BACKOFF_MS));
    assertThat(resets()).isEmpty();
    loop.advance(Duration.ofMillis(Recovery.MAX_BACKOFF_MS));

    assertThat(reader.offsets("room")).containsExactly(1L, 3L);
    assertThat(resets()).hasSize(1);
    assertThat(registry.counter(MetricNames.HISTORY_RETRIES).count()).isEqualTo(broker.historyReads - 1);
  }

  @Test
  void aResumeWhoseHistoryStaysDownIsRefusedWithinASecond() {
    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    broker.failHistory = Integer.MAX_VALUE;

    reader.send(ClientFrame.newBuilder().setId(7).setSubscribe(Subscribe.newBuilder().setRoom("room")
        .setSince(Position.newBuilder().setOffset(1).setEpoch(epochOf("room")))).build());
    loop.advance(Duration.ofMillis(Recovery.SUBSCRIBE_PATIENCE_MS));

    assertThat(reader.reply(7).getError().getCode()).isEqualTo(503);
    assertThat(broker.historyReads).isEqualTo(4);
  }

  @Test
  void aResumeWhoseHistoryReadFailsOnceIsRetriedAndRecovers() {
    for (int i = 1; i <= 3; i++) publisher.published("room", "m" + i);
    broker.failHistory = 1;

    reader.send(ClientFrame.newBuilder().setId(7).setSubscribe(Subscribe.newBuilder().setRoom("room")
        .setSince(Position.newBuilder().setOffset(1).setEpoch(epochOf("room")))).build());
    loop.advance(Duration.ofMillis(Recovery.FIRST_BACKOFF_MS));

    assertThat(reader.reply(7).getSubscribed().getRecovered()).isTrue();
    assertThat(reader.texts("room")).containsExactly("m2", "m3");
  }

  private List<ServerFrame> resets() {
    return reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).stream().filter(f -> !f.hasId()).toList();
  }

  private String epochOf(String room) {
    return broker.position(room).toCompletableFuture().join().epoch();
  }
}
