package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One session's membership of one room. It starts pending: live messages that arrive before the
 * subscription is settled are held back, then those after the settled position are sent and the
 * rest dropped, so the client sees neither a hole nor a duplicate at the seam. Touched only on the
 * session's thread.
 */
final class Subscription {
  final String room;
  final Session session;
  /** Live frames held back until {@link #settle}; null once settled. */
  private List<OutboundFrame> held = new ArrayList<>();
  /** The offset of the last message sent to the client; messages at or before it are duplicates. */
  private long lastOffset;

  Subscription(String room, Session session) {
    this.room = room;
    this.session = session;
  }

  boolean settled() {
    return held == null;
  }

  /** A live message of this room, in offset order. */
  void deliver(OutboundFrame frame) {
    if (held != null) {
      if (held.size() >= session.limits().maxQueuedFrames()) {
        session.slowConsumer();
        return;
      }
      held.add(frame);
      return;
    }
    send(frame);
  }

  /** The subscription is in effect from {@code offset} on: release what was held back after it. */
  void settle(long offset) {
    lastOffset = offset;
    List<OutboundFrame> pending = held;
    held = null;
    for (OutboundFrame f : pending) send(f);
  }

  private void send(OutboundFrame frame) {
    if (frame.offset != Publication.NO_OFFSET) {
      if (frame.offset <= lastOffset) return;
      lastOffset = frame.offset;
    }
    session.sendMessage(frame);
  }
}
