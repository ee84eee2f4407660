package io.roomcast.core;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriptions a node makes for a session itself, at connect: its own room {@code $<session>}
 * (messages to this one connection, without offsets; kept by {@link SessionRooms}, outside the hub)
 * and, for a signed-in user, the personal room
 * {@code @<user>} shared by all of that user's sessions on every node. The personal room is announced
 * with a pushed {@code subscribed {room, position}} (no id); a client that was connected before may
 * then send {@code subscribe {room: "@<user>", since}} to recover what it missed, which replaces the
 * node's subscription (see {@link Requests}). Runs on the session's thread.
 */
final class PersonalRooms {
  private static final Logger log = LoggerFactory.getLogger(PersonalRooms.class);

  private final Hub hub;
  private final Recovery recovery;
  private final PresenceTracker tracker;
  /** The session rooms; null on a node that does not give sessions one. */
  private final SessionRooms sessionRooms;

  PersonalRooms(Hub hub, Recovery recovery, PresenceTracker tracker, SessionRooms sessionRooms) {
    this.hub = hub;
    this.recovery = recovery;
    this.tracker = tracker;
    this.sessionRooms = sessionRooms;
  }

  /** The session greeted its client: its own room, and its user's personal room if it has a user already. */
  void connected(Session s) {
    if (sessionRooms != null) sessionRooms.opened(s);
    Principal p = s.client().principal();
    if (p != null) signedIn(s, p);
  }

  /** The session is gone: its own room goes too (its other rooms are released with its subscriptions). */
  void gone(Session s) {
    if (sessionRooms != null) sessionRooms.closed(s);
  }

  /** Whether {@code room} is a room the node subscribed {@code s} to itself without a {@link Subscription}: its session room. */
  boolean holdsWithoutSubscription(Session s, String room) {
    return sessionRooms != null && sessionRooms.isRoomOf(s, room);
  }

  /** The session has (or changed) its principal: its user's personal room, once. */
  void signedIn(Session s, Principal p) {
    String room = RoomRights.personalRoomOf(p);
    if (room == null || s.client().subscription(room) != null) return;
    subscribe(s, room);
  }

  private void subscribe(Session s, String room) {
    Subscription sub = new Subscription(room, s.shard(), s.outbox(), recovery, s.connection().executor());
    sub.serverSide = true;
    ClientState client = s.client();
    client.add(sub);
    hub.join(sub)
        .thenCompose(v -> recovery.position(room))
        .whenComplete((position, failure) -> s.later(() -> {
          if (client.subscription(room) != sub) return; // replaced by the client's own subscribe, or gone
          if (failure != null) {
            client.remove(sub);
            sub.leave();
            hub.leave(sub);
            log.warn("session {} could not join its room {}: {}", s.id(), room, Failures.cause(failure).toString());
            s.outbox().reply(Frames.unsubscribedPush(room, ErrorCode.UNAVAILABLE), null);
            return;
          }
          s.outbox().reply(Frames.subscribed(0, false, room, position, null), null);
          sub.settle(position, List.of());
          Principal p = client.principal();
          if (p != null) tracker.joined(sub, s, p);
        }));
  }
}
