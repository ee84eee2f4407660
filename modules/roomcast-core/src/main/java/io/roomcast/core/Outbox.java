package io.roomcast.core;

import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ServerFrame;

/**
 * A session's way out: encodes what is sent to the client and offers it to the
 * {@link OutboundWriter}; when the writer is full, applies the node's slow-consumer policy (drop the
 * oldest room messages, or cut the client off with 4008). Touched only on the session's thread.
 */
final class Outbox {
  private final OutboundWriter writer;
  private final WireFormat format;
  private final SlowConsumerPolicy policy;
  private final int maxHeld;
  /** Cuts the client off as a slow consumer (4008). */
  private final Runnable cutOff;

  Outbox(OutboundWriter writer, WireFormat format, SlowConsumerPolicy policy, int maxHeld, Runnable cutOff) {
    this.writer = writer;
    this.format = format;
    this.policy = policy;
    this.maxHeld = maxHeld;
    this.cutOff = cutOff;
  }

  /** A room message (or a ping); {@code drain} is the shard drain delivering it, or null. */
  void send(OutboundFrame frame, ShardDrain drain) {
    offer(frame.encoded(format), frame, drain);
  }

  /** A frame for this client alone (a reply, a notice): never dropped for room. */
  void reply(ServerFrame frame, ShardDrain drain) {
    offer(WireFrame.own(Frames.encode(frame, format)), OutboundFrame.REPLY, drain);
  }

  /** Whether a replay may send {@code frame} now without crowding the queue (see {@link OutboundWriter#roomForPaced}). */
  boolean roomForReplay(OutboundFrame frame) {
    return writer.roomForPaced(frame.encoded(format).bytes().length);
  }

  /** Runs {@code task} on the session's thread when the write in flight completes. */
  void whenWritable(Runnable task) {
    writer.whenWritable(task);
  }

  /** How many live frames a subscription may hold back while it settles or repairs a gap. */
  int maxHeld() {
    return maxHeld;
  }

  /** The client cannot keep up: more held back than {@link #maxHeld()}, or the writer full. */
  void overflow() {
    cutOff.run();
  }

  private void offer(WireFrame frame, OutboundFrame kind, ShardDrain drain) {
    if (writer.offer(frame, kind, drain)) return;
    if (policy == SlowConsumerPolicy.DROP_OLDEST && writer.offerDroppingOldest(frame, kind)) return;
    overflow();
  }
}
