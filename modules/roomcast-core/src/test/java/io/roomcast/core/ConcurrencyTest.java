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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The few core tests on real threads. Every other test steps its threads by hand; these exist
 * because what they check is what happens when threads really run at once: the hand-off between I/O
 * threads (the shard inbox and its drain flag) and the hub's join and leave while a broker thread
 * delivers. They wait for writes (woken by each one), never for time.
 */
class ConcurrencyTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService ioA = Executors.newSingleThreadExecutor();
  private final ExecutorService ioB = Executors.newSingleThreadExecutor();
  private final SystemScheduler timers = Scheduler.system();

  @AfterEach
  void stop() {
    ioA.shutdownNow();
    ioB.shutdownNow();
    timers.close();
  }

  /** Real threads: publications cross from one I/O thread to another's shard through its concurrent inbox. */
  @Test
  void twoClientsOnDifferentThreadsExchangeMessagesInARoom() {
    try (Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), new MemoryBroker(), registry)) {
      FakeClient alice = new FakeClient(node, ioA, WireFormat.PROTO, timers);
      FakeClient bob = new FakeClient(node, ioB, WireFormat.PROTO, timers);
      alice.subscribed("chat");
      bob.subscribed("chat");
      int rounds = 200;

      for (int i = 0; i < rounds; i++) { // both publish at once, from their own threads
        alice.publish("chat", "a" + i);
        bob.publish("chat", "b" + i);
      }

      alice.connection.awaitUntil(() -> alice.texts("chat").size() == 2 * rounds);
      bob.connection.awaitUntil(() -> bob.texts("chat").size() == 2 * rounds);
      List<Long> all = LongStream.rangeClosed(1, 2 * rounds).boxed().toList();
      assertThat(alice.offsets("chat")).containsExactlyElementsOf(all);
      assertThat(bob.offsets("chat")).containsExactlyElementsOf(all);
      assertThat(alice.texts("chat")).containsExactlyElementsOf(bob.texts("chat"));
    }
  }

  /**
   * Real threads: a publisher thread delivers through the hub while the reader's thread leaves the
   * room and joins it again, resuming from its last offset; the stream must stay whole at every seam.
   */
  @Test
  void resubscribingWhilePublishingNeverLosesOrRepeatsAMessageAtTheSeam() throws Exception {
    MemoryBroker big = new MemoryBroker(100_000, Duration.ofHours(1), System::currentTimeMillis);
    // Recovery may replay all of them: the publisher runs far ahead of the resubscribing reader.
    try (Node busy = Node.start(new NodeConfig("seam", SessionLimits.defaults(), Duration.ZERO, 8192, Heartbeat.defaults()),
        big, registry)) {
      FakeClient reader = new FakeClient(busy, ioB, WireFormat.PROTO, timers);
      reader.subscribed("seam");
      int total = 3000;
      Thread publisher = new Thread(() -> {
        for (int i = 1; i <= total; i++) big.publish("seam", Payload.text("m" + i));
      });
      publisher.start();
      int id = 1000;
      while (publisher.isAlive() || id == 1000) { // leave and come back, again and again, while messages flow
        reader.reply(reader.unsubscribe("seam"));
        List<Long> seen = reader.offsets("seam");
        long last = seen.isEmpty() ? 0 : seen.get(seen.size() - 1);
        String epoch = big.position("seam").toCompletableFuture().join().epoch();
        reader.send(ClientFrame.newBuilder().setId(++id).setSubscribe(Subscribe.newBuilder().setRoom("seam")
            .setSince(Position.newBuilder().setOffset(last).setEpoch(epoch))).build());
        ServerFrame again = reader.reply(id);
        assertThat(again.getSubscribed().getRecovered()).isTrue();
      }
      publisher.join();
      reader.connection.awaitUntil(() -> reader.offsets("seam").size() >= total);
      assertThat(reader.offsets("seam")).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
    }
  }
}
