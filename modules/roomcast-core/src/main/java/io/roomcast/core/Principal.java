package io.roomcast.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is on a connection: the user of a verified token (or the anonymous user of an open node),
 * what rooms they may use, and until when.
 *
 * @param subject the token's {@code sub}; {@code "anonymous"} for a connection without a token
 * @param permissions the rooms this principal may subscribe to and publish in
 * @param expiresAt when the token expires; empty for a principal that never does
 */
public record Principal(String subject, RoomPermissions permissions, Optional<Instant> expiresAt) {
  public static final String ANONYMOUS_SUBJECT = "anonymous";

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(permissions, "permissions");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** The user of a connection without a token, with {@code permissions}, never expiring. */
  public static Principal anonymous(RoomPermissions permissions) {
    return new Principal(ANONYMOUS_SUBJECT, permissions, Optional.empty());
  }
}
