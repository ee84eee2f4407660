package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One drain of a shard's inbox, handed down with every delivery of it: a writer that gets a frame
 * during the drain queues it and asks to be flushed here, so that everything one drain brings a
 * client leaves in one WebSocket message when the drain ends. Touched only on the shard's thread.
 */
final class ShardDrain {
  /** Writers with frames queued during this drain, each once. */
  private final List<OutboundWriter> toFlush = new ArrayList<>();

  void flushLater(OutboundWriter writer) {
    toFlush.add(writer);
  }

  /** The drain ended: every writer it touched writes what it queued. */
  void flushAll() {
    for (int i = 0; i < toFlush.size(); i++) toFlush.get(i).flush();
    toFlush.clear();
  }
}
