package io.roomcast.core;

/**
 * The last publications of one room that reached the node, to recognise the same publication
 * delivered twice. That happens when, for a moment, the node hears a room's channel on two Redis
 * connections (a relink that subscribes on the new connection before leaving the old one, a Cluster
 * failover whose demoted master still relays sharded messages). Such a copy has the same epoch,
 * offset and broker time as the original, and is dropped here, once per node. An offset that comes
 * again with another time is not a copy but a stream that went back, and passes on: subscriptions
 * report it as a reset, never drop it.
 */
final class RecentPublications {
  /** How many of the room's latest publications are remembered; copies arrive close to their originals. */
  static final int SIZE = 64;

  private final long[] offsets = new long[SIZE];
  private final long[] times = new long[SIZE];
  /** The epoch of the remembered offsets; null before the first. */
  private String epoch;
  /** Where the next one is written. */
  private int next;

  /**
   * Whether {@code p} was seen already (and is remembered from now on if not). Publications without an
   * offset are never copies: nothing tells two of them apart.
   */
  synchronized boolean repeats(Publication p) {
    if (!p.hasOffset()) return false;
    if (!p.epoch().equals(epoch)) {
      epoch = p.epoch();
      java.util.Arrays.fill(offsets, 0);
    } else {
      for (int i = 0; i < SIZE; i++) {
        if (offsets[i] == p.offset() && times[i] == p.timeMs()) return true;
      }
    }
    offsets[next] = p.offset();
    times[next] = p.timeMs();
    next = (next + 1) % SIZE;
    return false;
  }
}
