package io.roomcast.core;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Who is in each room, cluster-wide, beside the {@link Broker} (as Centrifugo separates its
 * PresenceManager). Every node adds and removes its own members; their entries stay alive only while
 * the node {@link #refresh}es them (once per interval, all its rooms in one batch), so a node that dies
 * leaves no ghosts past its members' ttl. A join or leave is published on the room's channel, where
 * the node's {@link BrokerListener#onPresence} hears it: once per identity (a user, or an anonymous
 * session) entering the room, and once when its last session has been gone for the grace, so a member
 * who drops and comes back within the grace (to any node) makes neither.
 *
 * <p>Every call first sweeps the room: members of nodes that stopped refreshing are removed, and
 * leaves whose grace ran out are published. Methods never block; stages complete on store threads and
 * fail with {@link BrokerUnavailableException} when the store cannot be reached.
 */
public interface Presence extends AutoCloseable {
  /** {@code member}, a session of this node, is in {@code room} from now on. Idempotent. */
  CompletionStage<Void> join(String room, PresenceMember member);

  /** {@code member} left {@code room}; its identity leaves after the grace unless it comes back. Idempotent. */
  CompletionStage<Void> leave(String room, PresenceMember member);

  /**
   * Keeps every member of this node alive for another ttl: called once per refresh interval with all of
   * them, by room. Repairs the store where it lost or kept what this node did not (Redis restarted
   * empty, a leave that failed). Rooms absent from {@code local} are not refreshed.
   */
  CompletionStage<Void> refresh(Map<String, ? extends Collection<PresenceMember>> local);

  /**
   * The members of {@code room}, every node's; fails with {@link TooManyMembersException} when there
   * are more than {@code max}.
   */
  CompletionStage<List<PresenceMember>> members(String room, int max);

  /** How many are in {@code room}: O(1) in the number of members. */
  CompletionStage<PresenceCounts> counts(String room);

  @Override
  default void close() {}
}
