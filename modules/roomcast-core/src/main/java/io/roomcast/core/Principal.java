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
 * @param info what the token's {@code roomcast.info} claim says about the user (shown to the rooms' other
 *     members with presence); null when it has none
 */
public record Principal(String subject, RoomPermissions permissions, Optional<Instant> expiresAt, com.google.protobuf.Struct info) {
  public static final String ANONYMOUS_SUBJECT = "anonymous";

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(permissions, "permissions");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** A principal without info. */
  public Principal(String subject, RoomPermissions permissions, Optional<Instant> expiresAt) {
    this(subject, permissions, expiresAt, null);
  }

  /** The user as presence shows it: the subject, or empty for an anonymous principal. */
  public String presenceUser() {
    return ANONYMOUS_SUBJECT.equals(subject) ? "" : subject;
  }

  /** The user of a connection without a token, with {@code permissions}, never expiring. */
  public static Principal anonymous(RoomPermissions permissions) {
    return new Principal(ANONYMOUS_SUBJECT, permissions, Optional.empty());
  }
}
