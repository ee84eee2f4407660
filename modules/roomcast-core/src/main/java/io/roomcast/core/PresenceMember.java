package io.roomcast.core;

import com.google.protobuf.Struct;
import io.roomcast.protocol.v1.Member;
import java.util.Objects;

/**
 * One session in a room, as presence knows it.
 *
 * @param user the token's subject; empty for an anonymous session (counted as a session, not a user)
 * @param session the session's id, as in its {@code connected} frame
 * @param info the token's {@code roomcast.info} claim; null when it has none
 */
public record PresenceMember(String user, String session, Struct info) {
  public PresenceMember {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(session, "session");
    if (session.isEmpty()) throw new IllegalArgumentException("session must not be empty");
  }

  /** Who comes back within the grace: the user, or the session itself for an anonymous one. */
  public String identity() {
    return user.isEmpty() ? "$" + session : user;
  }

  public boolean anonymous() {
    return user.isEmpty();
  }

  /** The protocol's Member: user, session and info, in field order (presence.lua reads the user from field 1). */
  public Member toProto() {
    Member.Builder m = Member.newBuilder().setUser(user).setSession(session);
    if (info != null) m.setInfo(info);
    return m.build();
  }

  public static PresenceMember fromProto(Member m) {
    return new PresenceMember(m.getUser(), m.getSession(), m.hasInfo() ? m.getInfo() : null);
  }
}
