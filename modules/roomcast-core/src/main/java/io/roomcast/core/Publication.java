package io.roomcast.core;

import com.google.protobuf.UnsafeByteOperations;
import io.roomcast.protocol.v1.Message;
import java.util.Objects;

/**
 * A message published to a room, as the broker delivers it to every subscribed node.
 *
 * @param offset its place in the room's stream, from 1; {@link #NO_OFFSET} for messages injected
 *     without the publish script (a plain Redis PUBLISH), which carry no ordering guarantee
 * @param epoch the generation of the room's stream the offset belongs to
 * @param timeMs when the broker accepted it, milliseconds since the Unix epoch
 */
public record Publication(String room, Payload payload, long offset, String epoch, long timeMs) {
  public static final long NO_OFFSET = 0;

  public Publication {
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(epoch, "epoch");
    if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
  }

  public boolean hasOffset() {
    return offset != NO_OFFSET;
  }

  public StreamPosition position() {
    return new StreamPosition(offset, epoch);
  }

  /** This publication as the protocol's {@code Message} frame body, sharing the payload's bytes. */
  public Message toMessage() {
    Message.Builder m = Message.newBuilder().setRoom(room).setEpoch(epoch).setTimeMs(timeMs);
    if (payload.text()) {
      m.setText(payload.asText());
    } else {
      m.setData(UnsafeByteOperations.unsafeWrap(payload.bytes())); // the payload is immutable by contract
    }
    if (hasOffset()) m.setOffset(offset);
    return m.build();
  }
}
