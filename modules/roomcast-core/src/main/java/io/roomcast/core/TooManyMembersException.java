package io.roomcast.core;

/** A member list was asked of a room with more members than the node lists (presence.max-members). */
public final class TooManyMembersException extends RuntimeException {
  private final long members;

  public TooManyMembersException(long members) {
    super(members + " members", null, false, false);
    this.members = members;
  }

  public long members() {
    return members;
  }
}
