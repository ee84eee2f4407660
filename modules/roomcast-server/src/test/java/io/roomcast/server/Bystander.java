package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.client.RoomcastClient;
import io.roomcast.testkit.Inbox;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A well-behaved client that keeps receiving while a test attacks the node: one connection
 * publishes to room {@code pulse} every 20 ms (at most 3,000 times), another listens. At the end it
 * checks that every acknowledged message arrived, in order, and that neither connection was closed.
 */
final class Bystander implements AutoCloseable {
  private static final int MAX_MESSAGES = 3_000;

  private final RoomcastClient listener;
  private final RoomcastClient publisher;
  private final Inbox inbox = new Inbox();
  private final AtomicInteger acked = new AtomicInteger();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

  private Bystander(URI ws) {
    listener = RoomcastClient.connect(ws);
    publisher = RoomcastClient.connect(ws);
    listener.subscribe("pulse", inbox).join();
    AtomicInteger sent = new AtomicInteger();
    ticker.scheduleAtFixedRate(() -> {
      int n = sent.incrementAndGet();
      if (n > MAX_MESSAGES) return;
      publisher.publish("pulse", "beat " + n).thenRun(acked::incrementAndGet);
    }, 0, 20, TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> inbox.messages.size() >= 3);
  }

  static Bystander on(URI ws) {
    return new Bystander(ws);
  }

  /** Stops publishing, then asserts the listener got every acknowledged message in offset order and stayed open. */
  void assertKeptReceiving() throws InterruptedException {
    ticker.shutdown();
    assertThat(ticker.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    long lastOffset = publisher.publish("pulse", "last").join();
    await().atMost(Duration.ofSeconds(10)).until(() -> inbox.messages.size() >= lastOffset);
    assertThat(inbox.messages).extracting(m -> m.offset()).as("offsets without a gap")
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, lastOffset).boxed().toList());
    assertThat(acked.get()).isGreaterThanOrEqualTo(3);
    assertThat(listener.closed()).isNotDone();
    assertThat(publisher.closed()).isNotDone();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    listener.close();
    publisher.close();
  }
}
