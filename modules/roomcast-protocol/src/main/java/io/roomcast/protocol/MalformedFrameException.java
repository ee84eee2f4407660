package io.roomcast.protocol;

/** A WebSocket message that does not hold well-formed protocol frames. The message says what is wrong. */
public final class MalformedFrameException extends Exception {
  public MalformedFrameException(String message) {
    super(message, null, false, false); // thrown at hostile input: no stack trace to fill
  }
}
