package io.roomcast.client;

/** A request the node refused ({@code error} frame), or a connection that closed before the reply. */
public final class RoomcastException extends RuntimeException {
  private final int code;

  public RoomcastException(int code, String message) {
    super(code + " " + message);
    this.code = code;
  }

  /** The error code of docs/protocol.md (400, 403, 404, 409, 413, 429, 500, 503), or the close code. */
  public int code() {
    return code;
  }
}
