package io.roomcast.core;

import static io.roomcast.core.FakeClient.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How frames leave a node: batching per shard drain, the write delay, and the slow-consumer policies. */
class OutboundTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ExecutorService ioA;
  private ExecutorService ioB;
  private Node node;

  @BeforeEach
  void start() {
    ioA = Executors.newSingleThreadExecutor();
    ioB = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void stop() {
    if (node != null) node.close();
    ioA.shutdownNow();
    ioB.shutdownNow();
  }

  private void nodeWith(SessionLimits limits, Outbound outbound) {
    node = Node.start(NodeConfig.defaults("test")
        .withLimits(limits, Math.min(NodeConfig.DEFAULT_MAX_RECOVERED, limits.maxQueuedFrames()))
        .withRoomLinger(Duration.ZERO).withOutbound(outbound),
        new MemoryBroker(), registry);
  }

  @Test
  void publicationsWaitingForTheSameShardLeaveAsOneMessage() throws Exception {
    nodeWith(SessionLimits.defaults(), Outbound.defaults());
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("feed");
    int batchesBefore = reader.connection.batches.size();
    CountDownLatch busy = new CountDownLatch(1);
    ioB.execute(() -> {
      try {
        busy.await(); // the reader's I/O thread is busy while ten publications arrive
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });

    for (int i = 1; i <= 10; i++) publisher.awaitReply(publisher.publish("feed", "m" + i));
    busy.countDown();

    waiting().until(() -> reader.texts("feed").size() == 10);
    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(10);
    assertThat(reader.offsets("feed")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void aWriteDelayGathersFramesThatArriveWithinIt() {
    nodeWith(SessionLimits.defaults(), Outbound.defaults().withWriteDelay(Duration.ofSeconds(1)));
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("feed");
    int batchesBefore = reader.connection.batches.size();

    for (int i = 1; i <= 5; i++) publisher.awaitReply(publisher.publish("feed", "m" + i));

    waiting().until(() -> reader.texts("feed").size() == 5);
    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(5);
  }

  @Test
  void dropOldestKeepsAStalledClientWithinItsLimitsAndTellsItWhereToResume() {
    SessionLimits small = new SessionLimits(2048, 1024, 10, 4, 64, 4096, 20, 4096);
    nodeWith(small, Outbound.defaults().withSlowConsumer(SlowConsumerPolicy.DROP_OLDEST));
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient stalled = new FakeClient(node, ioB, WireFormat.PROTO);
    FakeClient healthy = new FakeClient(node, ioB, WireFormat.PROTO);
    stalled.awaitSubscribed("feed");
    healthy.awaitSubscribed("feed");
    ioB.execute(stalled.connection::stall);

    for (int i = 1; i <= 200; i++) publisher.awaitReply(publisher.publish("feed", "x".repeat(100)));

    waiting().until(() -> healthy.texts("feed").size() == 200);
    // The first write (m1, or the first few if they came in one drain) went out, and then the write stalled.
    int handedOver = stalled.offsets("feed").size();
    int framesAtStall = stalled.connection.frames.size();
    assertThat(handedOver).isPositive();
    stalled.connection.resume();
    waiting().until(() -> stalled.offsets("feed").contains(200L));

    assertThat(stalled.connection.closedWith).isNull();
    ServerFrame first = stalled.connection.frames.get(framesAtStall);
    assertThat(first.hasLagged()).as("first frame after the stall: %s", first).isTrue();
    assertThat(first.getLagged().getRoom()).isEqualTo("feed");
    assertThat(first.getLagged().getPosition().getOffset()).isEqualTo(handedOver); // the last one handed over
    List<Long> kept = stalled.offsets("feed").subList(handedOver, stalled.offsets("feed").size());
    assertThat(kept).hasSizeLessThanOrEqualTo(small.maxQueuedFrames()).endsWith(200L);
    assertThat(kept).isSorted();
    assertThat(registry.find(MetricNames.MESSAGES_DROPPED).counter().count()).isEqualTo(200 - handedOver - kept.size());
    assertThat(registry.find(MetricNames.SLOW_CONSUMERS).counter().count()).isZero();
  }

  @Test
  void dropOldestNeverDropsReplies() {
    SessionLimits small = new SessionLimits(2048, 1024, 10, 4, 64, 4096, 20, 4096);
    nodeWith(small, Outbound.defaults().withSlowConsumer(SlowConsumerPolicy.DROP_OLDEST));
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient client = new FakeClient(node, ioB, WireFormat.PROTO);
    client.awaitSubscribed("feed");
    ioB.execute(client.connection::stall);
    publisher.awaitReply(publisher.publish("feed", "first")); // goes out, and the write stalls
    List<Integer> acks = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      publisher.awaitReply(publisher.publish("feed", "y".repeat(100)));
      if (i % 10 == 0) acks.add(client.publish("other", "mine " + i)); // replies queue among the messages
    }
    waiting().until(() -> registry.find(MetricNames.MESSAGES_DROPPED).counter().count() > 0);
    client.connection.resume();

    for (int id : acks) assertThat(client.awaitReply(id).hasAck()).isTrue();
    assertThat(client.connection.closedWith).isNull();
  }

  @Test
  void aBroadcastFrameIsCompressedOnceForAllItsSubscribersAndBatchesMixCompressedAndStoredFrames() {
    nodeWith(SessionLimits.defaults(), Outbound.defaults());
    FrameDeflater deflater = new FrameDeflater(6, 256);
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    List<FakeClient> readers = List.of(new FakeClient(node, ioA, WireFormat.PROTO, deflater),
        new FakeClient(node, ioB, WireFormat.PROTO, deflater), new FakeClient(node, ioB, WireFormat.JSON, deflater));
    for (FakeClient r : readers) r.awaitSubscribed("feed");
    String big = "price of tea in china ".repeat(100);

    publisher.awaitReply(publisher.publish("feed", big));

    for (FakeClient r : readers) waiting().until(() -> r.texts("feed").equals(List.of(big)));
    assertThat(deflater.compressions()).isEqualTo(2); // once for the proto readers, once for the JSON one
    for (FakeClient r : readers) assertThat(r.connection.compressedBatches).containsExactly(1);

    FakeClient slow = readers.get(1);
    ioB.execute(slow.connection::stall);
    publisher.awaitReply(publisher.publish("feed", "small"));
    waiting().until(() -> slow.texts("feed").size() == 2); // the small one went plain, then the write stalled
    publisher.awaitReply(publisher.publish("feed", big + "2"));
    publisher.awaitReply(publisher.publish("feed", "small 2"));
    slow.connection.resume();

    waiting().until(() -> slow.texts("feed").size() == 4);
    assertThat(slow.texts("feed")).containsExactly(big, "small", big + "2", "small 2");
    assertThat(slow.connection.compressedBatches).containsExactly(1, 2); // a compressed frame and a stored one in one message
  }
}
