package io.roomcast.core;

/** What the node does with a client whose outbound queue is full (it reads slower than it is sent to). */
public enum SlowConsumerPolicy {
  /** Close the connection with 4008 "slow consumer"; the client reconnects and resumes from history. */
  DISCONNECT,
  /**
   * Keep the connection and drop the oldest queued messages to make room; each room that lost
   * messages gets one {@code lagged {room, position}} frame, ahead of everything still queued, and
   * the client resumes that room from {@code position} (docs/protocol.md). Replies are never dropped.
   */
  DROP_OLDEST
}
