package io.roomcast.client;

import io.roomcast.protocol.v1.Member;
import java.util.function.Consumer;

/**
 * What a subscription hears: each message of the room, and, when subscribed with {@code joinLeave},
 * the sessions that join and leave it. Only {@link #accept} must be written; a lambda will do.
 */
@FunctionalInterface
public interface RoomListener extends Consumer<ReceivedMessage> {
  /** Ignores everything: the listener of a room the node subscribed the client to, unless the app gives one. */
  RoomListener IGNORE = m -> { };

  /** A session joined {@code room} (subscriptions with {@code joinLeave} only). */
  default void onJoin(String room, Member member) {}

  /** A session left {@code room} and did not come back within the node's grace (subscriptions with {@code joinLeave} only). */
  default void onLeave(String room, Member member) {}

  /** A listener for messages only, from a plain consumer. */
  static RoomListener of(Consumer<ReceivedMessage> messages) {
    return messages instanceof RoomListener l ? l : messages::accept;
  }
}
