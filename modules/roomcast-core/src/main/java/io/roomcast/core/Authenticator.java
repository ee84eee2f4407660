package io.roomcast.core;

import java.util.Optional;

/**
 * Turns a client's token into a {@link Principal}. The core calls it on a connection's I/O thread
 * for {@code connect} and {@code refresh} frames, and the transport calls it during the handshake,
 * so an implementation must answer from memory (keys fetched ahead of time) and be thread-safe.
 */
public interface Authenticator extends AutoCloseable {
  /**
   * @throws InvalidTokenException when the token does not verify or has expired; its message is
   *     sent to the client, so it says what is wrong without echoing secrets
   */
  Principal authenticate(String token) throws InvalidTokenException;

  /** The principal of a connection that presents no token; empty when a token is required. */
  Optional<Principal> anonymous();

  /** Whether tokens are checked at all; false for an open node, where every client may do everything. */
  default boolean enabled() {
    return true;
  }

  /** Stops what the authenticator runs in the background (a JWKS refresh, say). */
  @Override
  default void close() {}

  /** An open node: no token needed, every room allowed, and a presented token is accepted as it is. */
  static Authenticator open() {
    return OpenAuthenticator.INSTANCE;
  }
}
