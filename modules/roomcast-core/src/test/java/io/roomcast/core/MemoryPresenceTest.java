package io.roomcast.core;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The presence contract on the in-memory store, several views standing for several nodes, on a clock
 * the test moves: every call to the store happens {@value #STEP_MS} ms after the one before, so the
 * contract's waits for a grace or a ttl to run out take as many calls, not seconds.
 */
class MemoryPresenceTest extends PresenceContract {
  private static final long STEP_MS = 20;
  /** The store's clock in milliseconds; moved only by the store's reads of it. */
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private MemoryPresence.Store store;

  @Override
  protected Presence newNode(String node, PresenceConfig config, Consumer<PresenceEvent> events, String... rooms) {
    if (store == null || nodes.isEmpty()) store = new MemoryPresence.Store(config, () -> clock.addAndGet(STEP_MS));
    Set<String> heard = Set.of(rooms);
    store.addSink(e -> {
      if (heard.contains(e.room())) events.accept(e);
    });
    return new MemoryPresence(store, node);
  }

  @Override
  protected long now() {
    return clock.get();
  }

  @Override
  protected Duration pollInterval() {
    return Duration.ofMillis(1); // no real time needs to pass: the polls' own calls move the clock
  }
}
