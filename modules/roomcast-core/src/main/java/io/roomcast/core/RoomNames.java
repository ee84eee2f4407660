package io.roomcast.core;

/**
 * What a room may be called: 1 to {@code maxLength} characters of {@code A-Z a-z 0-9 . _ - : @ = +}, and
 * {@code $} as the first character (a session's own room, {@code $<session>}).
 * No slash, so a room name is one path segment of the HTTP API.
 * Braces are excluded on purpose: Redis Cluster hashes the text between them, and room keys wrap the
 * name in braces to keep a room's keys and channel in one slot.
 */
final class RoomNames {
  private final int maxLength;

  RoomNames(int maxLength) {
    this.maxLength = maxLength;
  }

  /** @throws RequestRejectedException (400) saying what is wrong with the name */
  void check(String room) {
    if (room.isEmpty()) throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "room name is empty");
    if (room.length() > maxLength) {
      throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "room name longer than " + maxLength + " characters");
    }
    for (int i = 0; i < room.length(); i++) {
      char c = room.charAt(i);
      if (!allowed(c) && !(c == '$' && i == 0)) {
        throw new RequestRejectedException(ErrorCode.BAD_REQUEST,
            "room name has a character outside A-Z a-z 0-9 . _ - : @ = + at index " + i);
      }
    }
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == '-' || c == ':' || c == '@' || c == '=' || c == '+';
  }
}
