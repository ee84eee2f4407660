package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;

/**
 * One session's membership of one room, and the guard of its stream's continuity. Touched only on
 * the session's thread.
 *
 * <p>It starts held: live messages that arrive before the subscription is settled wait, then those
 * after the settled position follow the replayed history (if any), so the client sees neither a hole
 * nor a duplicate at the seam. Once live, an offset that skips ahead (a message lost between the
 * broker and this node) holds the stream again while the gap is read from history; an epoch that
 * changes (history lost) is reported to the client with an unsolicited {@code subscribed} whose
 * {@code recovered} is false, never hidden.
 */
final class Subscription {
  final String room;
  final Session session;
  private final Recovery recovery;
  /** Live frames held back while settling or repairing a gap; null while frames flow straight through. */
  private List<OutboundFrame> held = new ArrayList<>();
  /** The offset of the last message sent to the client; messages at or before it are duplicates. */
  private long lastOffset;
  /** The epoch the client's offsets belong to; null until settled. */
  private String epoch;

  Subscription(String room, Session session, Recovery recovery) {
    this.room = room;
    this.session = session;
    this.recovery = recovery;
  }

  /** A live message of this room, in offset order. */
  void deliver(OutboundFrame frame) {
    if (held != null) {
      hold(frame);
      return;
    }
    if (frame.epoch == null) { // injected without an offset: no continuity to keep
      session.sendMessage(frame);
      return;
    }
    if (!frame.epoch.equals(epoch)) {
      restartedAt(frame.offset - 1, frame.epoch);
    } else if (frame.offset <= lastOffset) {
      return; // already sent (history replay overlapping live traffic)
    } else if (frame.offset > lastOffset + 1) {
      repairGapBefore(frame);
      return;
    }
    send(frame);
  }

  /**
   * The subscription is in effect from {@code latest} on; {@code replay} is what the client missed
   * before it (empty unless it asked to resume and the history had it all).
   */
  void settle(StreamPosition latest, List<Publication> replay) {
    epoch = latest.epoch();
    lastOffset = replay.isEmpty() ? latest.offset() : replay.get(0).offset() - 1;
    for (Publication p : replay) send(OutboundFrame.message(p));
    lastOffset = latest.offset();
    release();
  }

  private void hold(OutboundFrame frame) {
    if (held.size() >= session.limits().maxQueuedFrames()) {
      session.slowConsumer();
      return;
    }
    held.add(frame);
  }

  private void send(OutboundFrame frame) {
    lastOffset = frame.offset;
    session.sendMessage(frame);
  }

  /** Lets the held frames through, in order, through the same checks as live ones. */
  private void release() {
    List<OutboundFrame> frames = held;
    held = null;
    for (int i = 0; i < frames.size(); i++) {
      deliver(frames.get(i));
      if (held != null) { // a gap in the held frames: the rest waits behind its repair
        held.addAll(frames.subList(i + 1, frames.size()));
        return;
      }
    }
  }

  private void repairGapBefore(OutboundFrame frame) {
    held = new ArrayList<>();
    held.add(frame);
    StreamPosition from = new StreamPosition(lastOffset, epoch);
    recovery.after(room, from).whenComplete((history, failure) -> session.later(() -> {
      if (session.subscription(room) != this || held == null) return;
      boolean repaired = failure == null && history.complete();
      recovery.countGap(repaired);
      if (repaired) {
        for (Publication p : history.publications()) {
          if (p.offset() > lastOffset) send(OutboundFrame.message(p));
        }
      } else {
        // What is missing cannot be had: say so, and carry on from the first held message.
        restartedAt(held.get(0).offset - 1, held.get(0).epoch);
      }
      release();
    }));
  }

  /** The client's offsets no longer continue: tell it, so it reloads its state. */
  private void restartedAt(long offset, String newEpoch) {
    epoch = newEpoch;
    lastOffset = offset;
    session.reply(Frames.subscribed(0, false, room, new StreamPosition(offset, newEpoch), false));
  }
}
