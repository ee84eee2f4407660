package io.roomcast.core;

import java.util.Objects;

/**
 * Who may use a node and how hard: the authenticator of tokens and the publish rate of each connection.
 *
 * @param authenticator checks tokens and decides what a connection without one may do
 * @param publishRate how fast one connection may publish
 */
public record NodeSecurity(Authenticator authenticator, PublishRateLimits publishRate) {
  public NodeSecurity {
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(publishRate, "publishRate");
  }

  /** An open node (no tokens) with the default publish rate. */
  public static NodeSecurity open() {
    return new NodeSecurity(Authenticator.open(), PublishRateLimits.defaults());
  }
}
