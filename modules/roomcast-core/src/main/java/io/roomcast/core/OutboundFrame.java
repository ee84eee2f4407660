package io.roomcast.core;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.ServerFrame;

/**
 * A server frame, encoded at most once per wire format and shared read-only by every session it goes
 * to: a published message is encoded once per node, not once per subscriber.
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
  /** Encoded forms, made on first use. Two threads may both encode; they store equal bytes. */
  private volatile byte[] proto;
  private volatile byte[] json;
  /** Compressed forms ({@link FrameDeflater#compress}), made on first use; a node has one deflater. */
  private volatile byte[] deflatedProto;
  private volatile byte[] deflatedJson;

  /** Marks, in a writer's queue, an entry that is not a room message (a reply, a notice): never dropped. */
  static final OutboundFrame REPLY = of(ServerFrame.getDefaultInstance());

  private OutboundFrame(ServerFrame frame, String room, long offset, String epoch, boolean droppable) {
    this.frame = frame;
    this.room = room;
    this.droppable = droppable;
    this.offset = offset;
    this.epoch = epoch;
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

  byte[] encoded(WireFormat format) {
    if (format == WireFormat.PROTO) {
      byte[] b = proto;
      if (b == null) proto = b = BinaryFrames.encode(frame);
      return b;
    }
    byte[] b = json;
    if (b == null) json = b = JsonFrames.encode(frame);
    return b;
  }

  /**
   * The encoded frame compressed by {@code deflater}, once per wire format for the whole node: the
   * first I/O thread to need it compresses, one that needs it meanwhile waits for those bytes.
   */
  byte[] deflated(WireFormat format, FrameDeflater deflater) {
    byte[] b = format == WireFormat.PROTO ? deflatedProto : deflatedJson;
    if (b != null) return b;
    synchronized (this) {
      if (format == WireFormat.PROTO) {
        if (deflatedProto == null) deflatedProto = deflater.compress(encoded(format));
        return deflatedProto;
      }
      if (deflatedJson == null) deflatedJson = deflater.compress(encoded(format));
      return deflatedJson;
    }
  }
}
