package io.roomcast.core;

import java.util.Optional;

/** The authenticator of a node without keys: everyone is the anonymous user with every right. */
final class OpenAuthenticator implements Authenticator {
  static final OpenAuthenticator INSTANCE = new OpenAuthenticator();
  private static final Principal EVERYONE = Principal.anonymous(RoomPermissions.ALL);

  private OpenAuthenticator() {}

  @Override
  public Principal authenticate(String token) {
    return EVERYONE;
  }

  @Override
  public Optional<Principal> anonymous() {
    return Optional.of(EVERYONE);
  }

  @Override
  public boolean enabled() {
    return false;
  }
}
