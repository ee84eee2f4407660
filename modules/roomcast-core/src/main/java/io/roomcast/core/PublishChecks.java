package io.roomcast.core;

/**
 * The checks every publish passes, whichever way it comes in (a client's {@code publish} frame or
 * the HTTP API): a valid room name and a payload within the node's limit.
 */
final class PublishChecks {
  private final RoomNames names;
  private final int maxPayloadBytes;

  PublishChecks(SessionLimits limits) {
    this.names = new RoomNames(limits.maxRoomNameLength());
    this.maxPayloadBytes = limits.maxPayloadBytes();
  }

  /** @throws RequestRejectedException 400 when the room name is not allowed */
  void checkRoom(String room) {
    names.check(room);
  }

  /** @throws RequestRejectedException 400 for a bad room name, 413 for a payload over the limit */
  void check(String room, Payload payload) {
    names.check(room);
    if (payload.size() > maxPayloadBytes) {
      throw new RequestRejectedException(ErrorCode.PAYLOAD_TOO_LARGE,
          "payload of " + payload.size() + " bytes is over the limit of " + maxPayloadBytes);
    }
  }
}
