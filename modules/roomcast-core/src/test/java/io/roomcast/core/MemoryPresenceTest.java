package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** The presence contract on the in-memory store, several views standing for several nodes. */
class MemoryPresenceTest extends PresenceContract {
  private MemoryPresence.Store store;

  @Override
  protected Presence newNode(String node, PresenceConfig config, Consumer<PresenceEvent> events, String... rooms) {
    if (store == null || nodes.isEmpty()) store = new MemoryPresence.Store(config, System::currentTimeMillis);
    Set<String> heard = Set.of(rooms);
    store.addSink(e -> {
      if (heard.contains(e.room())) events.accept(e);
    });
    return new MemoryPresence(store, node);
  }
}
