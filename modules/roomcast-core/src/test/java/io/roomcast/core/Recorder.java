package io.roomcast.core;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The broker tests' listener: collects publications as a node's hub would receive them. Shared with
 * the Redis broker's tests through this module's test-jar (not roomcast-testkit, which must not depend
 * on core: core's own tests may use the testkit, and Maven refuses the cycle).
 */
public final class Recorder implements BrokerListener {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Every publication delivered so far; appended by the broker's thread, read by the test's. */
  public final ConcurrentLinkedQueue<Publication> received = new ConcurrentLinkedQueue<>();

  @Override
  public void onPublication(Publication p) {
    received.add(p);
  }

  /** The publications of {@code room}, in arrival order. */
  public List<Publication> of(String room) {
    return received.stream().filter(p -> p.room().equals(room)).toList();
  }

  public List<String> texts(String room) {
    return of(room).stream().map(p -> p.payload().asText()).toList();
  }

  /** Waits until a publication of {@code room} with this text arrives, and returns it. */
  public Publication awaitText(String room, String text) {
    await("'" + text + "' in room " + room).atMost(WAIT).pollDelay(Duration.ZERO).until(() -> texts(room).contains(text));
    return of(room).stream().filter(p -> p.payload().asText().equals(text)).findFirst().orElseThrow();
  }
}
