package io.roomcast.core;

import java.util.Objects;

/** A point in a room's stream: the offset of the last message, in a given epoch (0 = before the first). */
public record StreamPosition(long offset, String epoch) {
  public StreamPosition {
    if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
    Objects.requireNonNull(epoch, "epoch");
  }
}
