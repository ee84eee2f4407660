package io.roomcast.core;

import java.util.Objects;

/** A point in a room's stream: the offset of the last message, in a given epoch (0 = before the first). */
public record StreamPosition(long offset, String epoch) {
  /**
   * Where a room without a stream stands (never published, or everything of it expired): offset 0 in
   * no epoch. Brokers answer it without storing anything; the room's first epoch, whenever it comes,
   * continues it from offset 1.
   */
  public static final StreamPosition EMPTY = new StreamPosition(0, "");

  public StreamPosition {
    if (offset < 0) throw new IllegalArgumentException("offset must not be negative: " + offset);
    Objects.requireNonNull(epoch, "epoch");
  }

  /** Whether this is {@link #EMPTY}: before the first message of whatever epoch the room gets. */
  public boolean isEmptyRoom() {
    return offset == 0 && epoch.isEmpty();
  }

  /**
   * This position (the room's, as the broker answered), or {@code had} (a subscriber's) when the room
   * has no stream and the subscriber had one: it is never told {@link #EMPTY}, which would let the
   * room's next epoch pass as its continuation; keeping its epoch, the next one reaches it as a restart.
   */
  StreamPosition orKept(StreamPosition had) {
    return isEmptyRoom() && !had.epoch().isEmpty() ? had : this;
  }
}
