package io.roomcast.core;

import io.roomcast.protocol.v1.Join;
import io.roomcast.protocol.v1.Leave;
import io.roomcast.protocol.v1.Presence;
import io.roomcast.protocol.v1.PresenceStats;
import io.roomcast.protocol.v1.ServerFrame;
import java.util.List;

/** Builders of the presence frames: join and leave pushes, and the replies to presence and presenceStats. */
public final class PresenceFrames {
  private PresenceFrames() {}

  static ServerFrame event(PresenceEvent e) {
    ServerFrame.Builder f = ServerFrame.newBuilder();
    if (e.join()) {
      f.setJoin(Join.newBuilder().setRoom(e.room()).setMember(e.member().toProto()));
    } else {
      f.setLeave(Leave.newBuilder().setRoom(e.room()).setMember(e.member().toProto()));
    }
    return f.build();
  }

  /** The members of a room, as the reply to presence and the answer of GET .../presence. */
  public static Presence members(String room, List<PresenceMember> members) {
    Presence.Builder p = Presence.newBuilder().setRoom(room);
    for (PresenceMember m : members) p.addMembers(m.toProto());
    return p.build();
  }

  /** The counts of a room, as the reply to presenceStats and the answer of GET .../presence/stats. */
  public static PresenceStats stats(String room, PresenceCounts c) {
    return PresenceStats.newBuilder().setRoom(room).setSessions((int) Math.min(Integer.MAX_VALUE, c.sessions()))
        .setUsers((int) Math.min(Integer.MAX_VALUE, c.users())).build();
  }

  static ServerFrame reply(int id, boolean hasId, Presence p) {
    ServerFrame.Builder f = ServerFrame.newBuilder().setPresence(p);
    if (hasId) f.setId(id);
    return f.build();
  }

  static ServerFrame reply(int id, boolean hasId, PresenceStats s) {
    ServerFrame.Builder f = ServerFrame.newBuilder().setPresenceStats(s);
    if (hasId) f.setId(id);
    return f.build();
  }
}
