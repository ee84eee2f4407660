package io.roomcast.core;

import java.util.List;
import java.util.Objects;

/**
 * What a room's history holds after a position.
 *
 * @param publications the messages after the asked offset, oldest first, at most the asked limit
 * @param latest the room's position when the history was read
 * @param complete whether {@code publications} are every message between the asked position and
 *     {@code latest}: false when the epoch changed, the history was trimmed or expired past the asked
 *     offset, or the limit cut the list short
 */
public record History(List<Publication> publications, StreamPosition latest, boolean complete) {
  public History {
    publications = List.copyOf(publications);
    Objects.requireNonNull(latest, "latest");
  }

  /** A history that cannot serve the asked position: the client must reload its state. */
  public static History lost(StreamPosition latest) {
    return new History(List.of(), latest, false);
  }

  /**
   * Builds the answer from what a broker's store holds after {@code since}, read atomically with
   * {@code latest}: complete when the epochs match and the list runs without a hole from
   * {@code since + 1} to {@code latest}. {@link StreamPosition#EMPTY} (the room had no stream) is
   * offset 0 of whatever epoch the room has now.
   */
  public static History of(StreamPosition since, List<Publication> after, StreamPosition latest) {
    if (since.isEmptyRoom()) since = new StreamPosition(0, latest.epoch());
    if (!since.epoch().equals(latest.epoch()) || since.offset() > latest.offset()) return lost(latest);
    long expect = since.offset() + 1;
    for (Publication p : after) {
      if (p.offset() != expect) return new History(List.of(), latest, false);
      expect++;
    }
    return new History(after, latest, expect == latest.offset() + 1);
  }
}
