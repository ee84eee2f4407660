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
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resuming from a position, and keeping a live stream whole: no hole, no duplicate, never a silent gap. */
class RecoveryTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private final LossyBroker broker = new LossyBroker(() -> new MemoryBroker(5, Duration.ofHours(1), loop::nowMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), broker, registry,
      NodeSecurity.open(), loop);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aResumingClientGetsWhatItMissedThenLiveMessages() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 4; i++) publisher.reply(publisher.publish("room", "m" + i));
    String epoch = epochOf("room");
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.reply(resume(reader, 100, "room", 1, epoch));
    publisher.reply(publisher.publish("room", "m5"));

    assertThat(subscribed.getSubscribed().getRecovered()).isTrue();
    assertThat(subscribed.getSubscribed().getPosition().getOffset()).isEqualTo(4);
    assertThat(reader.texts("room")).containsExactly("m2", "m3", "m4", "m5");
    assertThat(registry.counter(MetricNames.RECOVERIES, "outcome", "recovered").count()).isEqualTo(1);
  }

  @Test
  void aClientWhoseHistoryIsGoneIsToldSoAndGetsLiveMessages() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 8; i++) publisher.reply(publisher.publish("room", "m" + i)); // history keeps 4..8
    String epoch = epochOf("room");
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

    ServerFrame trimmed = reader.reply(resume(reader, 100, "room", 2, epoch));
    reader.reply(reader.unsubscribe("room"));
    ServerFrame otherEpoch = reader.reply(resume(reader, 101, "room", 7, "not-" + epoch));
    publisher.reply(publisher.publish("room", "m9"));

    assertThat(trimmed.getSubscribed().hasRecovered()).isTrue();
    assertThat(trimmed.getSubscribed().getRecovered()).isFalse();
    assertThat(otherEpoch.getSubscribed().getRecovered()).isFalse();
    assertThat(otherEpoch.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(8).setEpoch(epoch).build());
    assertThat(reader.texts("room")).containsExactly("m9");
    assertThat(registry.counter(MetricNames.RECOVERIES, "outcome", "lost").count()).isEqualTo(2);
  }

  @Test
  void resubscribingWhileMessagesArriveNeverLosesOrRepeatsOneAtTheSeam() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("seam");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    publisher.published("seam", "m1");
    reader.reply(reader.unsubscribe("seam"));
    publisher.published("seam", "m2"); // missed while away

    broker.holdHistory = true;
    int id = resume(reader, 100, "seam", 1, epochOf("seam"));
    loop.settle(); // subscribed at the broker; the history read is on its way
    publisher.published("seam", "m3"); // live, while the subscription is not settled yet: held
    broker.releaseHistory(); // the history read now sees m2 and m3
    publisher.published("seam", "m4");
    loop.settle();

    assertThat(reader.reply(id).getSubscribed().getRecovered()).isTrue();
    assertThat(reader.offsets("seam")).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void aMessageLostBetweenBrokerAndNodeIsRepairedFromHistory() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("room");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    broker.dropOffsets.add(2L);

    for (int i = 1; i <= 4; i++) publisher.reply(publisher.publish("room", "m" + i));

    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L, 4L);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "repaired").count()).isEqualTo(1);
  }

  @Test
  void aGapThatHistoryCannotFillIsReportedNotHidden() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("room");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    publisher.reply(publisher.publish("room", "m1"));
    broker.dropOffsets.addAll(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L)); // history keeps five: 2 is gone by 9

    for (int i = 2; i <= 9; i++) publisher.reply(publisher.publish("room", "m" + i));

    assertThat(reader.texts("room")).containsExactly("m1", "m9");
    List<ServerFrame> resets = reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).stream()
        .filter(f -> !f.hasId()).toList();
    assertThat(resets).hasSize(1);
    assertThat(resets.get(0).getSubscribed().getRecovered()).isFalse();
    assertThat(resets.get(0).getSubscribed().getPosition().getOffset()).isEqualTo(8);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "lost").count()).isEqualTo(1);
  }

  @Test
  void aResumeIntoANewEpochGetsThatEpochFromItsFirstMessage() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 3; i++) publisher.reply(publisher.publish("room", "old" + i));
    String oldEpoch = epochOf("room");
    broker.restart(); // the store lost everything (a failover to a replica that lagged, say)
    for (int i = 1; i <= 2; i++) publisher.reply(publisher.publish("room", "new" + i));
    String newEpoch = epochOf("room");
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.reply(resume(reader, 100, "room", 3, oldEpoch));
    publisher.reply(publisher.publish("room", "new3"));

    assertThat(subscribed.getSubscribed().getRecovered()).isFalse();
    assertThat(subscribed.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(0).setEpoch(newEpoch).build());
    assertThat(reader.texts("room")).containsExactly("new1", "new2", "new3");
    assertThat(registry.counter(MetricNames.RECOVERIES, "outcome", "lost").count()).isEqualTo(1);
  }

  @Test
  void aPublicationTheBrokerDeliversTwiceReachesTheClientOnceWithoutAReset() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("room");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    publisher.reply(publisher.publish("room", "m1"));
    publisher.reply(publisher.publish("room", "m2"));
    List<Publication> sent = broker.history("room", StreamPosition.EMPTY, 10).toCompletableFuture().join().publications();

    sent.forEach(broker::inject); // the channel heard on a second connection for a moment
    loop.settle();
    broker.inject(new Publication("room", Payload.text("m2 again, re-issued"), 2, sent.get(1).epoch(), sent.get(1).timeMs() + 1));
    loop.settle();

    assertThat(reader.texts("room")).containsExactly("m1", "m2", "m2 again, re-issued");
    assertThat(registry.counter(MetricNames.MESSAGES_REPEATED).count()).isEqualTo(2);
    assertThat(registry.counter(MetricNames.STREAM_RESETS).count()).isEqualTo(1); // only the re-issued offset
  }

  @Test
  void aNewEpochOnALiveRoomIsReportedToTheClient() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("room");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    publisher.reply(publisher.publish("room", "m1"));

    broker.inject(new Publication("room", Payload.text("after a reset"), 1, "fresh-epoch", 1L));
    loop.settle();

    assertThat(reader.texts("room")).containsExactly("m1", "after a reset");
    ServerFrame reset = reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).stream()
        .filter(f -> !f.hasId()).findFirst().orElseThrow();
    assertThat(reset.getSubscribed().getRecovered()).isFalse();
    assertThat(reset.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(0).setEpoch("fresh-epoch").build());
  }

  @Test
  void aSubscriberOfARoomWithoutAStreamGetsItsFirstMessagesWithoutAReset() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    int id = reader.subscribe("fresh");
    ServerFrame subscribed = reader.reply(id);
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);

    for (int i = 1; i <= 3; i++) publisher.reply(publisher.publish("fresh", "m" + i));

    assertThat(subscribed.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(0).setEpoch("").build());
    assertThat(reader.offsets("fresh")).containsExactly(1L, 2L, 3L);
    assertThat(reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED)).allMatch(ServerFrame::hasId); // no reset
  }

  @Test
  void aRoomsFirstMessageLostOnTheWayIsRepairedFromHistoryNotReported() {
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);
    reader.subscribed("fresh");
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    broker.dropOffsets.add(1L);

    for (int i = 1; i <= 3; i++) publisher.reply(publisher.publish("fresh", "m" + i));

    assertThat(reader.texts("fresh")).containsExactly("m1", "m2", "m3");
    assertThat(reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED)).allMatch(ServerFrame::hasId);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "repaired").count()).isEqualTo(1);
  }

  @Test
  void aClientThatSawOnlyTheEmptyRoomResumesWithEverythingSince() {
    FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 3; i++) publisher.reply(publisher.publish("room", "m" + i));
    FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.reply(resume(reader, 100, "room", 0, ""));

    assertThat(subscribed.getSubscribed().getRecovered()).isTrue();
    assertThat(reader.texts("room")).containsExactly("m1", "m2", "m3");
  }

  private String epochOf(String room) {
    return broker.position(room).toCompletableFuture().join().epoch();
  }

  private static int resume(FakeClient c, int id, String room, long offset, String epoch) {
    c.send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom(room)
        .setSince(Position.newBuilder().setOffset(offset).setEpoch(epoch))).build());
    return id;
  }

  /**
   * A broker whose delivery to this node loses chosen offsets (or everything, while its link is
   * broken), that can deliver made-up publications, fail or hold history reads, and restart with a
   * new epoch and nothing kept (a Redis that lost its data).
   */
  static final class LossyBroker implements Broker {
    final Set<Long> dropOffsets = ConcurrentHashMap.newKeySet();
    /** While set, history reads wait until {@link #releaseHistory}, which reads them then. */
    boolean holdHistory;
    /** With {@link #holdHistory}: a held read is read when asked, and only its answer waits. */
    boolean snapshotHeld;
    /** While set, nothing reaches the node: its pub/sub link is broken. */
    volatile boolean broken;
    /** How many of the next history reads fail with {@link BrokerUnavailableException}. */
    int failHistory;
    /** History reads asked of this broker. */
    int historyReads;
    /** The answer of the next history read, instead of the store's (a store that went back, say); null for the store's. */
    History nextHistory;
    private final List<Runnable> heldReads = new java.util.ArrayList<>();
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final java.util.function.Supplier<Broker> factory;
    private Broker inner;
    private volatile BrokerListener listener;

    LossyBroker(java.util.function.Supplier<Broker> factory) {
      this.factory = factory;
      this.inner = factory.get();
    }

    void inject(Publication p) {
      listener.onPublication(p);
    }

    /** The store comes back empty, in a new epoch; the node's subscriptions are kept. */
    void restart() {
      inner.close();
      inner = factory.get();
      inner.start(this::relay);
      subscribed.forEach(inner::subscribe);
    }

    /** The link is back: the broker resubscribed {@code room} and says so. */
    void resubscribed(String room) {
      broken = false;
      listener.onResubscribed(room);
    }

    void releaseHistory() {
      holdHistory = false;
      heldReads.forEach(Runnable::run);
      heldReads.clear();
    }

    private void relay(Publication p) {
      if (!broken && !dropOffsets.contains(p.offset())) listener.onPublication(p);
    }

    @Override public void start(BrokerListener l) {
      listener = l;
      inner.start(this::relay);
    }
    @Override public CompletionStage<Void> subscribe(String room) { subscribed.add(room); return inner.subscribe(room); }
    @Override public CompletionStage<Void> unsubscribe(String room) { subscribed.remove(room); return inner.unsubscribe(room); }
    @Override public CompletionStage<Publication> publish(String room, Payload payload, String key) { return inner.publish(room, payload, key); }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public CompletionStage<History> history(String room, StreamPosition since, int limit) {
      historyReads++;
      if (nextHistory != null) {
        History h = nextHistory;
        nextHistory = null;
        return java.util.concurrent.CompletableFuture.completedFuture(h);
      }
      if (failHistory > 0) {
        failHistory--;
        return java.util.concurrent.CompletableFuture.failedFuture(new BrokerUnavailableException("test: down"));
      }
      if (!holdHistory) return inner.history(room, since, limit);
      java.util.concurrent.CompletableFuture<History> later = new java.util.concurrent.CompletableFuture<>();
      if (snapshotHeld) {
        History now = inner.history(room, since, limit).toCompletableFuture().join();
        heldReads.add(() -> later.complete(now));
      } else {
        heldReads.add(() -> inner.history(room, since, limit).thenAccept(later::complete));
      }
      return later;
    }
    @Override public void close() { inner.close(); }
  }
}
