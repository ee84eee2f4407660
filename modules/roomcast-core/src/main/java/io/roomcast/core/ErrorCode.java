package io.roomcast.core;

/**
 * Codes of the {@code error} reply to a request. They mirror HTTP statuses, so the HTTP API answers
 * the same failure with the same number. docs/protocol.md has the table.
 */
public enum ErrorCode {
  BAD_REQUEST(400),
  UNAUTHORIZED(401),
  FORBIDDEN(403),
  NOT_SUBSCRIBED(404),
  ALREADY_SUBSCRIBED(409),
  PAYLOAD_TOO_LARGE(413),
  TOO_MANY_REQUESTS(429),
  INTERNAL(500),
  UNAVAILABLE(503);

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
