package io.roomcast.core;

import java.util.Objects;

/** A request the node refused, with the code the client gets and a message that says why. */
public final class RequestRejectedException extends RuntimeException {
  private final ErrorCode code;

  public RequestRejectedException(ErrorCode code, String message) {
    super(message, null, false, false); // expected at hostile input: no stack trace to fill
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }
}
