package io.roomcast.core;

/**
 * Bytes waiting in the outbound queues of one I/O thread's sessions: written by that thread only,
 * read by metric scrapes from any thread.
 */
final class QueuedBytes {
  /** The sum; single writer, so a plain read-modify-write of the volatile is safe. */
  private volatile long bytes;

  /** On the owning I/O thread only: {@code delta > 0} queued, {@code < 0} written or dropped. */
  void add(long delta) {
    bytes = bytes + delta;
  }

  long get() {
    return bytes;
  }
}
