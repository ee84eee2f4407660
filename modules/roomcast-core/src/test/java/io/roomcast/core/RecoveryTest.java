package io.roomcast.core;

import static io.roomcast.core.FakeClient.waiting;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resuming from a position, and keeping a live stream whole: no hole, no duplicate, never a silent gap. */
class RecoveryTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService ioA = Executors.newSingleThreadExecutor();
  private final ExecutorService ioB = Executors.newSingleThreadExecutor();
  private final LossyBroker broker = new LossyBroker(new MemoryBroker(5, Duration.ofHours(1), System::currentTimeMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), broker, registry);

  @AfterEach
  void stop() {
    node.close();
    ioA.shutdownNow();
    ioB.shutdownNow();
  }

  @Test
  void aResumingClientGetsWhatItMissedThenLiveMessages() {
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 4; i++) publisher.awaitReply(publisher.publish("room", "m" + i));
    String epoch = epochOf("room");
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.awaitReply(resume(reader, 100, "room", 1, epoch));
    publisher.awaitReply(publisher.publish("room", "m5"));

    assertThat(subscribed.getSubscribed().getRecovered()).isTrue();
    assertThat(subscribed.getSubscribed().getPosition().getOffset()).isEqualTo(4);
    waiting().until(() -> reader.texts("room").size() == 4);
    assertThat(reader.texts("room")).containsExactly("m2", "m3", "m4", "m5");
    assertThat(registry.counter(MetricNames.RECOVERIES, "outcome", "recovered").count()).isEqualTo(1);
  }

  @Test
  void aClientWhoseHistoryIsGoneIsToldSoAndGetsLiveMessages() {
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    for (int i = 1; i <= 8; i++) publisher.awaitReply(publisher.publish("room", "m" + i)); // history keeps 4..8
    String epoch = epochOf("room");
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);

    ServerFrame trimmed = reader.awaitReply(resume(reader, 100, "room", 2, epoch));
    reader.awaitReply(reader.unsubscribe("room"));
    ServerFrame otherEpoch = reader.awaitReply(resume(reader, 101, "room", 7, "not-" + epoch));
    publisher.awaitReply(publisher.publish("room", "m9"));

    assertThat(trimmed.getSubscribed().hasRecovered()).isTrue();
    assertThat(trimmed.getSubscribed().getRecovered()).isFalse();
    assertThat(otherEpoch.getSubscribed().getRecovered()).isFalse();
    assertThat(otherEpoch.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(8).setEpoch(epoch).build());
    waiting().until(() -> reader.texts("room").contains("m9"));
    assertThat(reader.texts("room")).containsExactly("m9");
    assertThat(registry.counter(MetricNames.RECOVERIES, "outcome", "lost").count()).isEqualTo(2);
  }

  @Test
  void resubscribingWhilePublishingNeverLosesOrRepeatsAMessageAtTheSeam() throws Exception {
    node.close();
    MemoryBroker big = new MemoryBroker(100_000, Duration.ofHours(1), System::currentTimeMillis);
    // Recovery may replay all of them: the publisher runs far ahead of the resubscribing reader.
    Node busy = Node.start(new NodeConfig("seam", SessionLimits.defaults(), Duration.ZERO, 8192, Heartbeat.defaults()), big, registry);
    try {
      FakeClient reader = new FakeClient(busy, ioB, WireFormat.PROTO);
      reader.awaitSubscribed("seam");
      AtomicBoolean publishing = new AtomicBoolean(true);
      int total = 3000;
      Thread publisher = new Thread(() -> {
        for (int i = 1; i <= total; i++) big.publish("seam", Payload.text("m" + i));
        publishing.set(false);
      });
      publisher.start();
      int id = 1000;
      while (publishing.get()) { // leave and come back, again and again, while messages flow
        waiting().until(() -> !reader.offsets("seam").isEmpty() || !publishing.get());
        reader.awaitReply(reader.unsubscribe("seam"));
        List<Long> seen = reader.offsets("seam");
        long last = seen.isEmpty() ? 0 : seen.get(seen.size() - 1);
        ServerFrame again = reader.awaitReply(resume(reader, ++id, "seam", last, big.position("seam").toCompletableFuture().join().epoch()));
        assertThat(again.getSubscribed().getRecovered()).isTrue();
      }
      publisher.join();
      waiting().atMost(Duration.ofSeconds(10)).until(() -> reader.offsets("seam").size() >= total);
      assertThat(reader.offsets("seam")).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
      assertThat(id).as("resubscribed at least once").isGreaterThan(1000);
    } finally {
      busy.close();
    }
  }

  @Test
  void aMessageLostBetweenBrokerAndNodeIsRepairedFromHistory() {
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("room");
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    broker.dropOffsets.add(2L);

    for (int i = 1; i <= 4; i++) publisher.awaitReply(publisher.publish("room", "m" + i));

    waiting().until(() -> reader.texts("room").size() == 4);
    assertThat(reader.offsets("room")).containsExactly(1L, 2L, 3L, 4L);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "repaired").count()).isEqualTo(1);
  }

  @Test
  void aGapThatHistoryCannotFillIsReportedNotHidden() {
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("room");
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    publisher.awaitReply(publisher.publish("room", "m1"));
    broker.dropOffsets.addAll(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L)); // history keeps five: 2 is gone by 9

    for (int i = 2; i <= 9; i++) publisher.awaitReply(publisher.publish("room", "m" + i));

    waiting().until(() -> reader.texts("room").contains("m9"));
    assertThat(reader.texts("room")).containsExactly("m1", "m9");
    List<ServerFrame> resets = reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).stream()
        .filter(f -> !f.hasId()).toList();
    assertThat(resets).hasSize(1);
    assertThat(resets.get(0).getSubscribed().getRecovered()).isFalse();
    assertThat(resets.get(0).getSubscribed().getPosition().getOffset()).isEqualTo(8);
    assertThat(registry.counter(MetricNames.GAPS, "outcome", "lost").count()).isEqualTo(1);
  }

  @Test
  void aNewEpochOnALiveRoomIsReportedToTheClient() {
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("room");

    broker.inject(new Publication("room", Payload.text("after a reset"), 1, "fresh-epoch", 1L));

    waiting().until(() -> reader.texts("room").contains("after a reset"));
    ServerFrame reset = reader.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).stream()
        .filter(f -> !f.hasId()).findFirst().orElseThrow();
    assertThat(reset.getSubscribed().getRecovered()).isFalse();
    assertThat(reset.getSubscribed().getPosition()).isEqualTo(Position.newBuilder().setOffset(0).setEpoch("fresh-epoch").build());
  }

  private String epochOf(String room) {
    return broker.position(room).toCompletableFuture().join().epoch();
  }

  private static int resume(FakeClient c, int id, String room, long offset, String epoch) {
    c.send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom(room)
        .setSince(Position.newBuilder().setOffset(offset).setEpoch(epoch))).build());
    return id;
  }

  /** A broker whose delivery to this node loses chosen offsets, and that can deliver made-up publications. */
  static final class LossyBroker implements Broker {
    final Set<Long> dropOffsets = ConcurrentHashMap.newKeySet();
    private final Broker inner;
    private volatile BrokerListener listener;

    LossyBroker(Broker inner) {
      this.inner = inner;
    }

    void inject(Publication p) {
      listener.onPublication(p);
    }

    @Override public void start(BrokerListener l) {
      listener = l;
      inner.start(p -> {
        if (!dropOffsets.contains(p.offset())) l.onPublication(p);
      });
    }
    @Override public CompletionStage<Void> subscribe(String room) { return inner.subscribe(room); }
    @Override public CompletionStage<Void> unsubscribe(String room) { return inner.unsubscribe(room); }
    @Override public CompletionStage<Publication> publish(String room, Payload payload) { return inner.publish(room, payload); }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public CompletionStage<History> history(String room, StreamPosition since, int limit) {
      return inner.history(room, since, limit);
    }
    @Override public void close() { inner.close(); }
  }
}
