package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One session's membership of one room, and the guard of its stream's continuity. Touched only on
 * the session's thread.
 *
 * <p>It starts held: live messages that arrive before the subscription is settled wait, then those
 * after the settled position follow the replayed history (if any), so the client sees neither a hole
 * nor a duplicate at the seam. Once live, an offset that skips ahead (a message lost between the
 * broker and this node) holds the stream again while the gap is read from history; an epoch that
 * changes (history lost) is reported to the client with an unsolicited {@code subscribed} whose
 * {@code recovered} is false, never hidden. A room that had no stream when the subscription settled
 * ({@link StreamPosition#EMPTY}) takes the epoch of its first message as its own.
 */
final class Subscription {
  final String room;
  /** The I/O thread's rooms this subscription is listed in while joined. */
  final Shard shard;
  /** Where the client's frames go. */
  private final Outbox out;
  private final Recovery recovery;
  /** The session's thread, where answers from the broker (a gap's history) come back. */
  private final Executor executor;
  /** Set when the client left the room or closed: late answers are ignored. */
  private boolean left;
  /** Whether the client gets the room's joins and leaves (it asked, and may read the room's presence). */
  boolean joinLeave;
  /** Made by the node at connect (a personal or session room), not asked for by the client. */
  boolean serverSide;
  /** Told once when the subscription ends (presence: the member leaves); null when nothing listens. */
  Runnable onLeave;
  /** Live frames held back while settling or repairing a gap; null while frames flow straight through. */
  private List<OutboundFrame> held = new ArrayList<>();
  /** The offset of the last message sent to the client; messages at or before it are duplicates. */
  private long lastOffset;
  /** The epoch the client's offsets belong to; null until settled. */
  private String epoch;

  Subscription(String room, Shard shard, Outbox out, Recovery recovery, Executor executor) {
    this.room = room;
    this.shard = shard;
    this.out = out;
    this.recovery = recovery;
    this.executor = executor;
  }

  /** The client left the room (or closed): nothing more is sent, late answers are ignored. */
  void leave() {
    left = true;
    Runnable r = onLeave;
    onLeave = null;
    if (r != null) r.run();
  }

  /** A live message of this room, in offset order; {@code drain} is the shard drain delivering it, or null. */
  void deliver(OutboundFrame frame, ShardDrain drain) {
    if (frame.presenceBody != null) { // a join or leave: no offset, only for those who asked
      if (joinLeave && !left) out.send(frame.presenceBody, drain);
      return;
    }
    if (held != null) {
      hold(frame);
      return;
    }
    if (frame.epoch == null) { // injected without an offset: no continuity to keep
      out.send(frame, drain);
      return;
    }
    // Settled on a room without a stream: its first epoch starts after offset 0, nothing of it missed yet.
    if (lastOffset == 0 && epoch.isEmpty()) epoch = frame.epoch;
    if (!frame.epoch.equals(epoch)) {
      restartedAt(frame.offset - 1, frame.epoch, drain);
    } else if (frame.offset <= lastOffset) {
      return; // already sent (history replay overlapping live traffic)
    } else if (frame.offset > lastOffset + 1) {
      repairGapBefore(frame);
      return;
    }
    send(frame, drain);
  }

  /**
   * The subscription is in effect from {@code latest} on; {@code replay} is what the client missed
   * before it (empty unless it asked to resume and the history had it all).
   */
  void settle(StreamPosition latest, List<Publication> replay) {
    epoch = latest.epoch();
    lastOffset = replay.isEmpty() ? latest.offset() : replay.get(0).offset() - 1;
    for (Publication p : replay) send(OutboundFrame.message(p), null);
    lastOffset = latest.offset();
    release();
  }

  private void hold(OutboundFrame frame) {
    if (held.size() >= out.maxHeld()) {
      out.overflow();
      return;
    }
    held.add(frame);
  }

  private void send(OutboundFrame frame, ShardDrain drain) {
    lastOffset = frame.offset;
    out.send(frame, drain);
  }

  /** Lets the held frames through, in order, through the same checks as live ones. */
  private void release() {
    List<OutboundFrame> frames = held;
    held = null;
    for (int i = 0; i < frames.size(); i++) {
      deliver(frames.get(i), null);
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
    recovery.after(room, from).whenComplete((history, failure) -> executor.execute(() -> {
      if (left || held == null) return;
      boolean repaired = failure == null && history.complete();
      recovery.countGap(repaired);
      if (repaired) {
        for (Publication p : history.publications()) {
          if (p.offset() > lastOffset) send(OutboundFrame.message(p), null);
        }
      } else {
        // What is missing cannot be had: say so, and carry on from the first held message.
        restartedAt(held.get(0).offset - 1, held.get(0).epoch, null);
      }
      release();
    }));
  }

  /** The client's offsets no longer continue: tell it, so it reloads its state. */
  private void restartedAt(long offset, String newEpoch, ShardDrain drain) {
    epoch = newEpoch;
    lastOffset = offset;
    out.reply(Frames.subscribed(0, false, room, new StreamPosition(offset, newEpoch), false), drain);
  }
}
