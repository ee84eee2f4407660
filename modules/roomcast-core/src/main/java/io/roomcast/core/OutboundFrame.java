package io.roomcast.core;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.ServerFrame;

/**
 * A server frame, encoded at most once per wire format and shared read-only by every session it goes
 * to: a published message is encoded once per node, not once per subscriber (and so is whatever the
 * transport makes of it, in the {@link WireFrame}'s slot).
 */
final class OutboundFrame {
  private final ServerFrame frame;
  /** The room of a message frame, or of the lagged notice a session queued; null for others. */
  final String room;
  /** Whether a slow consumer's queue may drop it: true for room messages only. */
  final boolean droppable;
  /** The room's offset for message frames (0 for others and for messages without one). */
  final long offset;
  /** The room's epoch for message frames with an offset, else null. */
  final String epoch;
  /**
   * Encoded forms, made on first use, once: the first thread encodes, one that needs it meanwhile
   * waits, so every session shares one {@link WireFrame} (and the transport's slot in it).
   */
  private volatile WireFrame proto;
  private volatile WireFrame json;

  /** Marks, in a writer's queue, an entry that is not a room message (a reply, a notice): never dropped. */
  static final OutboundFrame REPLY = of(ServerFrame.getDefaultInstance());

  /**
   * For a join or leave of {@link #room}: the frame each subscription that asked for them sends, one
   * object for all (without a room, so a queue treats it as a notice, never dropped); null for others.
   */
  final OutboundFrame presenceBody;
  /** Whether many sessions send this very frame although it is not a room message (a join or leave). */
  private final boolean sharedNotice;

  private OutboundFrame(ServerFrame frame, String room, long offset, String epoch, boolean droppable) {
    this(frame, room, offset, epoch, droppable, null, false);
  }

  private OutboundFrame(ServerFrame frame, String room, long offset, String epoch, boolean droppable, OutboundFrame presenceBody,
      boolean sharedNotice) {
    this.frame = frame;
    this.room = room;
    this.droppable = droppable;
    this.offset = offset;
    this.epoch = epoch;
    this.presenceBody = presenceBody;
    this.sharedNotice = sharedNotice;
  }

  /** A join or leave of {@code room}: the shards route it by room, each subscription that asked sends its {@link #presenceBody}. */
  static OutboundFrame presence(String room, ServerFrame frame) {
    OutboundFrame body = new OutboundFrame(frame, null, 0, null, false, null, true);
    return new OutboundFrame(frame, room, 0, null, false, body, true);
  }

  static OutboundFrame of(ServerFrame frame) {
    return new OutboundFrame(frame, null, 0, null, false);
  }

  static OutboundFrame message(Publication p) {
    Message m = p.toMessage();
    return new OutboundFrame(ServerFrame.newBuilder().setMessage(m).build(), p.room(), p.offset(), p.hasOffset() ? p.epoch() : null, true);
  }

  /** Marks, in a session's queue, the lagged notice of {@code room}; never sent itself. */
  static OutboundFrame laggedMarker(String room) {
    return new OutboundFrame(ServerFrame.getDefaultInstance(), room, 0, null, false);
  }

  /** The frame encoded for {@code format}, one object per node: shared by every session when a room message. */
  WireFrame encoded(WireFormat format) {
    WireFrame w = format == WireFormat.PROTO ? proto : json;
    if (w != null) return w;
    synchronized (this) {
      if (format == WireFormat.PROTO) {
        if (proto == null) proto = wire(BinaryFrames.encode(frame));
        return proto;
      }
      if (json == null) json = wire(JsonFrames.encode(frame));
      return json;
    }
  }

  private WireFrame wire(byte[] bytes) {
    return droppable || sharedNotice ? WireFrame.shared(bytes) : WireFrame.own(bytes);
  }
}
