package io.roomcast.core;

/** A token that does not verify: bad signature, expired, malformed, unknown key. The message says which, briefly. */
public final class InvalidTokenException extends Exception {
  public InvalidTokenException(String message) {
    super(message, null, false, false); // expected at hostile input: no stack trace to fill
  }
}
