package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Who may use a node and how hard: the authenticator of tokens and the publish rate of each connection.
 *
 * @param authenticator checks tokens and decides what a connection without one may do
 * @param publishRate how fast one connection may publish
 * @param authenticationTimeout how long a connection without a principal (no token, no anonymous
 *     access) may stay before it is closed with 4003 unless a {@code connect} brings a valid token
 */
public record NodeSecurity(Authenticator authenticator, PublishRateLimits publishRate, Duration authenticationTimeout) {
  public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(10);

  public NodeSecurity {
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(publishRate, "publishRate");
    Objects.requireNonNull(authenticationTimeout, "authenticationTimeout");
    if (authenticationTimeout.isNegative() || authenticationTimeout.isZero()) {
      throw new IllegalArgumentException("authenticationTimeout must be positive: " + authenticationTimeout);
    }
  }

  /** An open node (no tokens) with the default publish rate. */
  public static NodeSecurity open() {
    return new NodeSecurity(Authenticator.open(), PublishRateLimits.defaults(), DEFAULT_AUTHENTICATION_TIMEOUT);
  }
}
