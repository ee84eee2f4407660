package io.roomcast.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each session's own room {@code $<session>} (messages to this one connection, without offsets or
 * history), kept out of the hub: a session room has one member forever and nothing to recover, so it
 * needs no room, subscription, shard list or duplicate filter of its own, only the broker's
 * subscription (so a message published on any node reaches this one) and this node's map from the
 * room to its session, read when a publication of a session room arrives. An idle connection thus
 * costs one map entry here. Any thread.
 */
final class SessionRooms {
  private static final Logger log = LoggerFactory.getLogger(SessionRooms.class);

  private final Broker broker;
  private final NodeMetrics metrics;
  /** Open sessions by their id (their room without the {@code $}). */
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  SessionRooms(Broker broker, NodeMetrics metrics) {
    this.broker = broker;
    this.metrics = metrics;
  }

  /** The session greeted its client: messages to its room reach it from now on, once the broker has subscribed. */
  void opened(Session s) {
    sessions.put(s.id(), s);
    String room = "$" + s.id();
    broker.subscribe(room).whenComplete((v, failure) -> {
      if (failure != null) {
        log.warn("session {} could not join its room {}: {}", s.id(), room, Failures.cause(failure).toString());
      } else if (sessions.get(s.id()) != s) {
        broker.unsubscribe(room); // it closed while the subscribe was in flight, which may have undone the unsubscribe
      }
    });
  }

  /** The session is gone: its room is unsubscribed at the broker (the id is never used again). */
  void closed(Session s) {
    if (sessions.remove(s.id(), s)) broker.unsubscribe("$" + s.id());
  }

  /** Sessions whose room this node serves (each has, or is getting, a broker subscription). */
  int size() {
    return sessions.size();
  }

  /** Whether {@code room} is the room of {@code s}, served here (a client's subscribe to it is a repeat). */
  boolean isRoomOf(Session s, String room) {
    return RoomRights.isSessionRoom(room) && room.regionMatches(1, s.id(), 0, s.id().length())
        && room.length() == s.id().length() + 1 && sessions.get(s.id()) == s;
  }

  /** A publication of a session room, on a broker thread: to that session, on its thread, if it is here. */
  void deliver(Publication p) {
    Session s = sessions.get(p.room().substring(1));
    if (s == null) return;
    metrics.received.increment();
    OutboundFrame frame = OutboundFrame.message(p);
    s.later(() -> {
      s.outbox().send(frame, null);
      metrics.delivered.increment();
    });
  }
}
