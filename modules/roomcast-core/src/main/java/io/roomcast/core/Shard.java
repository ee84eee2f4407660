package io.roomcast.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The rooms of the sessions owned by one I/O thread. Only that thread touches it, so fan-out to a
 * room walks a plain list with no locks and no session is touched from two threads.
 */
final class Shard {
  final Executor executor;
  /** Local subscriptions by room; a room is absent rather than empty. Touched only on {@link #executor}. */
  private final Map<String, List<Subscription>> rooms = new HashMap<>();
  /** Bytes in the outbound queues of this thread's sessions; written only on {@link #executor}, read by scrapes. */
  private volatile long queuedBytes;

  Shard(Executor executor) {
    this.executor = executor;
  }

  /** @return true when this is the shard's first subscription to the room */
  boolean add(Subscription s) {
    List<Subscription> members = rooms.get(s.room);
    if (members == null) {
      members = new ArrayList<>(4);
      rooms.put(s.room, members);
      members.add(s);
      return true;
    }
    members.add(s);
    return false;
  }

  /** @return true when the shard has no subscription to the room left */
  boolean remove(Subscription s) {
    List<Subscription> members = rooms.get(s.room);
    if (members == null || !members.remove(s)) return false;
    if (members.isEmpty()) {
      rooms.remove(s.room);
      return true;
    }
    return false;
  }

  /** A session of this shard queued ({@code delta > 0}) or wrote or dropped bytes; on {@link #executor} only. */
  void queued(long delta) {
    queuedBytes = queuedBytes + delta; // single writer: a plain read-modify-write of the volatile is safe
  }

  long queuedBytes() {
    return queuedBytes;
  }

  /** @return how many subscriptions the frame was offered to */
  int deliver(String room, OutboundFrame frame) {
    List<Subscription> members = rooms.get(room);
    if (members == null) return 0;
    // Delivering never removes members synchronously (sessions close on a later task), so indexing is safe.
    for (int i = 0, n = members.size(); i < n; i++) members.get(i).deliver(frame);
    return members.size();
  }
}
