package io.roomcast.core;

/** The broker cannot be reached (down, timed out, circuit open). Clients get error 503. */
public class BrokerUnavailableException extends RuntimeException {
  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public BrokerUnavailableException(String message) {
    super(message);
  }
}
