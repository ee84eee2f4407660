package io.roomcast.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One session's membership of one room, and the guard of its stream's continuity. Touched only on
 * the session's thread.
 *
 * <p>It starts held: live messages that arrive before the subscription is settled wait, then those
 * after the settled position follow the replayed history (if any), so the client sees neither a hole
 * nor a duplicate at the seam. Once live:
 * <ul>
 *   <li>an offset that skips ahead (a message lost between the broker and this node) holds the stream
 *       again while the gap is read from history;
 *   <li>a live offset at or below the last live one of the same epoch means the room's offsets went
 *       back (Redis lost writes and handed them out again): a reset, told to the client, never a
 *       duplicate to drop. Only offsets at or below what a history replay already sent are duplicates;
 *   <li>a new epoch is told to the client (an unsolicited {@code subscribed}, {@code recovered: false})
 *       and then delivered from its first message when history has it;
 *   <li>after the broker resubscribed the room (a reconnect, a failover), the room is re-read and what
 *       the break lost is delivered at once, even if the room then stays quiet.
 * </ul>
 * Replays go out paced by the client's writes, a bounded amount at a time, so a client that reads is
 * never cut off by its own resume. A room that had no stream when the subscription settled
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
  /** Live frames held back while settling, repairing or replaying, oldest first; null while frames flow straight through. */
  private List<OutboundFrame> held = new ArrayList<>();
  /** The offset of the last message the client has in {@link #epoch} (sent, or before its settled position). */
  private long lastOffset;
  /** The offset of the last live frame taken in {@link #epoch}, -1 for none since the last reset. */
  private long lastLive = -1;
  /** The epoch the client's offsets belong to; null until settled. */
  private String epoch;
  /** Set when the broker resubscribed while the stream was held: the room is re-read once it flows again. */
  private boolean resyncWanted;
  /** The history being replayed, paced by the writer; null when none. */
  private List<OutboundFrame> replay;
  /** The index in {@link #replay} of the next frame to send. */
  private int replayNext;
  /** What follows the replay. */
  private Runnable afterReplay;

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
      held = new ArrayList<>();
      held.add(frame);
      restartIn(frame.epoch, frame.offset - 1);
      return;
    }
    if (frame.offset <= lastLive) {
      reset(frame.offset - 1, epoch, drain); // the room's offsets went back: what follows is new
    } else if (frame.offset > lastOffset + 1) {
      repairGapBefore(frame);
      return;
    }
    lastLive = frame.offset;
    if (frame.offset <= lastOffset) return; // sent already by a history replay
    send(frame, drain);
  }

  /**
   * The subscription is in effect from {@code latest} on; {@code replayed} is what the client missed
   * before it (empty unless it asked to resume and the history had it all).
   */
  void settle(StreamPosition latest, List<OutboundFrame> replayed) {
    epoch = latest.epoch();
    if (replayed.isEmpty()) {
      lastOffset = latest.offset();
      release();
      return;
    }
    lastOffset = replayed.get(0).offset - 1;
    replay(replayed, () -> {
      lastOffset = Math.max(lastOffset, latest.offset());
      release();
    });
  }

  /** The broker remade its subscription to the room after a break; called on any thread. */
  void resubscribed() {
    executor.execute(this::resync);
  }

  private void hold(OutboundFrame frame) {
    if (held.size() >= out.maxHeld()) {
      // Too much waits behind a replay or a read: let it go, and read it back from history once the
      // stream flows again (the node had it, so history has it unless trimmed), rather than cut the client off.
      held.clear();
      resyncWanted = true;
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
    if (resyncWanted) {
      resyncWanted = false;
      resync();
    }
  }

  /** Reads history after {@code from}; {@code then} runs on the session's thread unless the client left meanwhile. */
  private void read(StreamPosition from, BiConsumer<Recovery.Replay, Throwable> then) {
    recovery.repair(room, from).whenComplete((replay, failure) -> executor.execute(() -> {
      if (!left) then.accept(replay, failure);
    }));
  }

  private void repairGapBefore(OutboundFrame frame) {
    held = new ArrayList<>();
    held.add(frame);
    catchUp(true);
  }

  /**
   * Re-reads the room after a resubscription (or after held frames were let go) and delivers what
   * was missed, at once; a regress or a new epoch met there is a reset, as on a live frame. Waits
   * while the stream is held.
   */
  private void resync() {
    if (left || RoomRights.isSessionRoom(room)) return; // one connection's room: no offsets, nothing to re-read
    if (held != null) {
      resyncWanted = true;
      return;
    }
    held = new ArrayList<>();
    catchUp(false);
  }

  /**
   * Reads the room's history after {@link #lastOffset} (the stream is held) and replays it; a history
   * cut short by the read's limit is replayed and read on, round after round. What history cannot
   * give is a reset. {@code gap}: a live frame showed the hole (counted as a gap either way).
   */
  private void catchUp(boolean gap) {
    read(new StreamPosition(lastOffset, epoch), (replay, failure) -> {
      if (failure != null) { // nobody can say what was lost: never pretend nothing
        recovery.countGap(false);
        lost(new StreamPosition(lastOffset, epoch));
        return;
      }
      History h = replay.history();
      StreamPosition latest = h.latest();
      boolean upToDate = latest.offset() == lastOffset && latest.epoch().equals(epoch);
      if (upToDate && !gap) { // nothing missed (even for a broker without history)
        release();
        return;
      }
      boolean sameStream = latest.epoch().equals(epoch) || (epoch.isEmpty() && lastOffset == 0);
      OutboundFrame first = firstHeld();
      if (h.complete() && first != null && first.epoch.equals(latest.epoch()) && first.offset > latest.offset() + 1) {
        // The store stands before a message this node already had: it went back, and the hole cannot be filled.
        recovery.countGap(false);
        replay(replay.frames(), () -> lost(latest));
      } else if (sameStream && (h.complete() || continues(replay.frames()))) {
        if (!latest.isEmptyRoom()) epoch = latest.epoch(); // a room without a stream got its first messages
        if (h.complete() && (gap || !replay.frames().isEmpty())) recovery.countGap(true);
        replay(replay.frames(), h.complete() ? this::release : () -> catchUp(gap));
      } else if (!sameStream && !latest.isEmptyRoom()) {
        if (gap) recovery.countGap(false);
        restartIn(latest.epoch(), latest.offset());
      } else { // went back within the epoch, more was lost than history holds, or the stream is gone
        recovery.countGap(false);
        lost(latest.orKept(new StreamPosition(lastOffset, epoch)));
      }
    });
  }

  /** Whether {@code frames} go on from {@link #lastOffset} without a hole (a history cut short by the read's limit). */
  private boolean continues(List<OutboundFrame> frames) {
    return continuesFrom(lastOffset, frames);
  }

  private static boolean continuesFrom(long offset, List<OutboundFrame> frames) {
    return !frames.isEmpty() && frames.get(0).offset == offset + 1;
  }

  /**
   * History cannot give what is missing: the client is told, and the stream goes on from the first
   * held message of an offset (so none of those is lost too), or else from {@code latest} (see
   * {@link StreamPosition#orKept} for a room whose stream is gone).
   */
  private void lost(StreamPosition latest) {
    OutboundFrame first = firstHeld();
    if (first != null) {
      reset(first.offset - 1, first.epoch, null);
    } else {
      reset(latest.offset(), latest.epoch(), null);
    }
    release();
  }

  /** The first held frame with an offset, or null. */
  private OutboundFrame firstHeld() {
    for (OutboundFrame f : held) {
      if (f.epoch != null) return f;
    }
    return null;
  }

  /**
   * The room's stream restarted in {@code newEpoch} (the stream is held): the client is told, then gets
   * the new epoch from its first message when history has it, else the stream goes on after
   * {@code fallback}.
   */
  private void restartIn(String newEpoch, long fallback) {
    read(new StreamPosition(0, newEpoch), (replay, failure) -> {
      held.removeIf(f -> f.epoch != null && !f.epoch.equals(newEpoch)); // of a stream that is gone: before the reset
      History h = failure == null ? replay.history() : null;
      if (h != null && h.latest().epoch().equals(newEpoch) && (h.complete() || continuesFrom(0, replay.frames()))) {
        reset(0, newEpoch, null);
        replay(replay.frames(), h.complete() ? this::release : () -> catchUp(false));
      } else {
        reset(fallback, newEpoch, null);
        release();
      }
    });
  }

  /** Sends {@code frames} (a complete history after {@link #lastOffset}) paced by the writer, then runs {@code then}. */
  private void replay(List<OutboundFrame> frames, Runnable then) {
    replay = frames;
    replayNext = 0;
    afterReplay = then;
    pump();
  }

  /** Sends replay frames while the writer has room; the rest waits for a write to complete. */
  private void pump() {
    if (left || replay == null) return;
    while (replayNext < replay.size()) {
      OutboundFrame f = replay.get(replayNext);
      if (f.offset <= lastOffset) { // the client has it
        replayNext++;
        continue;
      }
      if (!out.roomForReplay(f)) {
        out.whenWritable(this::pump);
        return;
      }
      replayNext++;
      send(f, null);
    }
    replay = null;
    Runnable then = afterReplay;
    afterReplay = null;
    then.run();
  }

  /** The client's offsets no longer continue: tell it where the stream goes on from, so it reloads its state. */
  private void reset(long offset, String newEpoch, ShardDrain drain) {
    epoch = newEpoch;
    lastOffset = offset;
    lastLive = -1;
    recovery.countReset();
    out.reply(Frames.subscribed(0, false, room, new StreamPosition(offset, newEpoch), false), drain);
  }
}
