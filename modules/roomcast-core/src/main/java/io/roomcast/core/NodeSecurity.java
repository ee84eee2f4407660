package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Who may use a node and how hard: the authenticator of tokens and the publish and subscribe rates of
 * each connection.
 *
 * @param authenticator checks tokens and decides what a connection without one may do
 * @param publishRate how fast one connection may publish
 * @param authenticationTimeout how long a connection without a principal (no token, no anonymous
 *     access) may stay before it is closed with 4003 unless a {@code connect} brings a valid token
 * @param subscribeRate how fast one connection may subscribe
 */
public record NodeSecurity(Authenticator authenticator, PublishRateLimits publishRate, Duration authenticationTimeout,
    SubscribeRateLimits subscribeRate) {
  public static final Duration DEFAULT_AUTHENTICATION_TIMEOUT = Duration.ofSeconds(10);

  public NodeSecurity {
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(publishRate, "publishRate");
    Objects.requireNonNull(authenticationTimeout, "authenticationTimeout");
    Objects.requireNonNull(subscribeRate, "subscribeRate");
    if (authenticationTimeout.isNegative() || authenticationTimeout.isZero()) {
      throw new IllegalArgumentException("authenticationTimeout must be positive: " + authenticationTimeout);
    }
  }

  /** The default subscribe rate. */
  public NodeSecurity(Authenticator authenticator, PublishRateLimits publishRate, Duration authenticationTimeout) {
    this(authenticator, publishRate, authenticationTimeout, SubscribeRateLimits.defaults());
  }

  /** An open node (no tokens) with the default publish and subscribe rates. */
  public static NodeSecurity open() {
    return new NodeSecurity(Authenticator.open(), PublishRateLimits.defaults(), DEFAULT_AUTHENTICATION_TIMEOUT);
  }
}
