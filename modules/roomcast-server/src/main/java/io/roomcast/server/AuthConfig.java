package io.roomcast.server;

import io.roomcast.core.NodeSecurity;
import io.roomcast.core.RoomPermissions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node checks tokens (JWT, HS256/RS256/ES256) and the credentials of its HTTP API. A node with
 * no key at all is open: anyone may connect and use every room, as in the README's run command.
 *
 * @param hmacSecret the HS256 shared secret, at least 32 bytes
 * @param publicKeys PEM files of RSA (RS256) or EC P-256 (ES256) public keys
 * @param jwks a JWKS document: an {@code http(s)://} URL (fetched, cached and refreshed) or a file
 * @param jwksRefresh how long a fetched JWKS is used before it is fetched again
 * @param issuer the {@code iss} every token must carry; empty: not checked
 * @param audience an {@code aud} every token must carry; empty: not checked
 * @param clockSkew tolerance on {@code exp} for clocks that differ between issuer and node
 * @param anonymous whether a client without a token may connect when keys are configured
 * @param anonymousRooms what such a client may do
 * @param apiKeys credentials of the HTTP publish API (every room); with none, it needs a token with publish rights
 * @param authenticationTimeout how long a connection without a token may wait to send {@code connect} (4003 after)
 * @param jwksRefusedKidRefresh how often, at most, a token signed with a key the node does not hold makes it
 *     fetch the JWKS again (in the background; such a token is refused at once)
 */
public record AuthConfig(
    Optional<String> hmacSecret,
    List<Path> publicKeys,
    Optional<String> jwks,
    Duration jwksRefresh,
    Optional<String> issuer,
    Optional<String> audience,
    Duration clockSkew,
    boolean anonymous,
    RoomPermissions anonymousRooms,
    List<String> apiKeys,
    Duration authenticationTimeout,
    Duration jwksRefusedKidRefresh) {
  public static final Duration DEFAULT_JWKS_REFRESH = Duration.ofMinutes(5);
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final Duration DEFAULT_JWKS_REFUSED_KID_REFRESH = Duration.ofSeconds(30);
  /** HS256 needs a key as long as its hash (RFC 7518 section 3.2). */
  static final int MIN_HMAC_SECRET_BYTES = 32;
  /** API keys are guessable below this. */
  static final int MIN_API_KEY_LENGTH = 16;

  public AuthConfig {
    Objects.requireNonNull(hmacSecret, "hmacSecret");
    publicKeys = List.copyOf(publicKeys);
    Objects.requireNonNull(jwks, "jwks");
    Objects.requireNonNull(jwksRefresh, "jwksRefresh");
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(anonymousRooms, "anonymousRooms");
    apiKeys = List.copyOf(apiKeys);
    Objects.requireNonNull(authenticationTimeout, "authenticationTimeout");
    if (authenticationTimeout.isNegative() || authenticationTimeout.isZero()) {
      throw new IllegalArgumentException("authentication-timeout must be positive: " + authenticationTimeout);
    }
    if (hmacSecret.isPresent() && hmacSecret.get().getBytes(StandardCharsets.UTF_8).length < MIN_HMAC_SECRET_BYTES) {
      throw new IllegalArgumentException("hmac-secret must be at least " + MIN_HMAC_SECRET_BYTES + " bytes");
    }
    if (jwksRefresh.isNegative() || jwksRefresh.isZero()) throw new IllegalArgumentException("jwks-refresh must be positive: " + jwksRefresh);
    Objects.requireNonNull(jwksRefusedKidRefresh, "jwksRefusedKidRefresh");
    if (jwksRefusedKidRefresh.isNegative() || jwksRefusedKidRefresh.isZero()) {
      throw new IllegalArgumentException("jwks-refused-kid-refresh must be positive: " + jwksRefusedKidRefresh);
    }
    if (clockSkew.isNegative()) throw new IllegalArgumentException("clock-skew must not be negative: " + clockSkew);
    for (String k : apiKeys) {
      if (k.length() < MIN_API_KEY_LENGTH) {
        throw new IllegalArgumentException("an API key must be at least " + MIN_API_KEY_LENGTH + " characters");
      }
    }
    List<String> bad = RoomPermissions.invalidGrants(anonymousRooms.subscribe());
    bad.addAll(RoomPermissions.invalidGrants(anonymousRooms.publish()));
    if (!bad.isEmpty()) throw new IllegalArgumentException("invalid anonymous room grants: " + bad);
  }

  /** The settings before {@code jwksRefusedKidRefresh} existed; it takes its default. */
  public AuthConfig(Optional<String> hmacSecret, List<Path> publicKeys, Optional<String> jwks, Duration jwksRefresh,
      Optional<String> issuer, Optional<String> audience, Duration clockSkew, boolean anonymous, RoomPermissions anonymousRooms,
      List<String> apiKeys, Duration authenticationTimeout) {
    this(hmacSecret, publicKeys, jwks, jwksRefresh, issuer, audience, clockSkew, anonymous, anonymousRooms, apiKeys,
        authenticationTimeout, DEFAULT_JWKS_REFUSED_KID_REFRESH);
  }

  /** No keys, no API keys: an open node. */
  public static AuthConfig open() {
    return new AuthConfig(Optional.empty(), List.of(), Optional.empty(), DEFAULT_JWKS_REFRESH, Optional.empty(),
        Optional.empty(), DEFAULT_CLOCK_SKEW, false, RoomPermissions.NONE, List.of(), NodeSecurity.DEFAULT_AUTHENTICATION_TIMEOUT);
  }

  /** Whether any key to verify tokens is configured; without one every client is anonymous with every right. */
  public boolean keysConfigured() {
    return hmacSecret.isPresent() || !publicKeys.isEmpty() || jwks.isPresent();
  }

  /** Whether the HTTP API asks for a credential. */
  public boolean httpCredentialRequired() {
    return keysConfigured() || !apiKeys.isEmpty();
  }

  public AuthConfig withHmacSecret(String secret) {
    return new AuthConfig(Optional.of(secret), publicKeys, jwks, jwksRefresh, issuer, audience, clockSkew, anonymous,
        anonymousRooms, apiKeys, authenticationTimeout, jwksRefusedKidRefresh);
  }

  public AuthConfig withPublicKeys(List<Path> keys) {
    return new AuthConfig(hmacSecret, keys, jwks, jwksRefresh, issuer, audience, clockSkew, anonymous, anonymousRooms, apiKeys, authenticationTimeout, jwksRefusedKidRefresh);
  }

  public AuthConfig withJwks(String location) {
    return new AuthConfig(hmacSecret, publicKeys, Optional.of(location), jwksRefresh, issuer, audience, clockSkew, anonymous,
        anonymousRooms, apiKeys, authenticationTimeout, jwksRefusedKidRefresh);
  }

  public AuthConfig withClockSkew(Duration skew) {
    return new AuthConfig(hmacSecret, publicKeys, jwks, jwksRefresh, issuer, audience, skew, anonymous, anonymousRooms, apiKeys, authenticationTimeout, jwksRefusedKidRefresh);
  }

  public AuthConfig withAnonymous(RoomPermissions rooms) {
    return new AuthConfig(hmacSecret, publicKeys, jwks, jwksRefresh, issuer, audience, clockSkew, true, rooms, apiKeys, authenticationTimeout, jwksRefusedKidRefresh);
  }

  public AuthConfig withJwksRefusedKidRefresh(Duration interval) {
    return new AuthConfig(hmacSecret, publicKeys, jwks, jwksRefresh, issuer, audience, clockSkew, anonymous, anonymousRooms, apiKeys,
        authenticationTimeout, interval);
  }

  public AuthConfig withApiKeys(List<String> keys) {
    return new AuthConfig(hmacSecret, publicKeys, jwks, jwksRefresh, issuer, audience, clockSkew, anonymous, anonymousRooms, keys, authenticationTimeout, jwksRefusedKidRefresh);
  }
}
