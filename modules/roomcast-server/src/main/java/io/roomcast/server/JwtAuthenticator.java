package io.roomcast.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.roomcast.core.Authenticator;
import io.roomcast.core.InvalidTokenException;
import io.roomcast.core.Principal;
import io.roomcast.core.RoomPermissions;
import java.net.URI;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JWTs signed with HS256, RS256 or ES256 against the configured keys and JWKS, and reads
 * the rooms a user may use from the {@code roomcast} claim:
 * <pre>{"sub":"alice","exp":1790000000,"roomcast":{"subscribe":["lobby","team-7:*"],"publish":["team-7:chat"]}}</pre>
 * A token without the claim grants no room. Thread-safe; verification answers from memory once the
 * JWKS is cached (a URL JWKS is refreshed ahead of its expiry, in the background).
 */
final class JwtAuthenticator implements Authenticator {
  private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);
  /** The claim with the user's room grants. */
  static final String ROOMS_CLAIM = "roomcast";
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256, JWSAlgorithm.ES256);

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  /** The JWKS source, with its cache and refresh thread; null without a JWKS. */
  private final JWKSource<SecurityContext> jwksSource;
  private final Optional<Principal> anonymous;
  private final long clockSkewSeconds;

  JwtAuthenticator(AuthConfig config) {
    List<JWK> keys = Keys.load(config);
    jwksSource = config.jwks().map(j -> jwksSource(j, config)).orElse(null);
    JWKSource<SecurityContext> source = jwksSource != null ? withRemote(keys, jwksSource) : fixed(keys);
    if (jwksSource != null) warm(source);
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, source));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    config.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(config.audience().orElse(null), exact.build(), Set.of("sub", "exp"));
    clockSkewSeconds = config.clockSkew().toSeconds();
    claims.setMaxClockSkew((int) clockSkewSeconds);
    processor.setJWTClaimsSetVerifier(claims);
    anonymous = config.anonymous() ? Optional.of(Principal.anonymous(config.anonymousRooms())) : Optional.empty();
  }

  @Override
  public Principal authenticate(String token) throws InvalidTokenException {
    if (token == null || token.isEmpty()) throw new InvalidTokenException("empty token");
    if (token.length() > 8192) throw new InvalidTokenException("token longer than 8192 characters");
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new InvalidTokenException("not a JWT");
    } catch (KeySourceException e) {
      throw new InvalidTokenException("signing keys unavailable");
    } catch (BadJOSEException e) {
      throw new InvalidTokenException(e.getMessage()); // nimbus says what, never the key: "Expired JWT", "Invalid signature"
    } catch (JOSEException e) {
      throw new InvalidTokenException("cannot verify the signature");
    }
    Instant expiry = claims.getExpirationTime().toInstant().plusSeconds(clockSkewSeconds);
    return new Principal(claims.getSubject(), rooms(claims), Optional.of(expiry));
  }

  private static RoomPermissions rooms(JWTClaimsSet claims) throws InvalidTokenException {
    Object claim = claims.getClaim(ROOMS_CLAIM);
    if (claim == null) return RoomPermissions.NONE;
    if (!(claim instanceof Map<?, ?> map)) throw new InvalidTokenException("claim " + ROOMS_CLAIM + " is not an object");
    List<String> subscribe = grants(map.get("subscribe"), "subscribe");
    List<String> publish = grants(map.get("publish"), "publish");
    return new RoomPermissions(subscribe, publish);
  }

  private static List<String> grants(Object value, String name) throws InvalidTokenException {
    if (value == null) return List.of();
    if (!(value instanceof List<?> list)) throw new InvalidTokenException(ROOMS_CLAIM + "." + name + " is not a list");
    List<String> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof String s)) throw new InvalidTokenException(ROOMS_CLAIM + "." + name + " holds a non-string");
      out.add(s);
    }
    if (!RoomPermissions.invalidGrants(out).isEmpty()) {
      throw new InvalidTokenException(ROOMS_CLAIM + "." + name + " holds an invalid pattern");
    }
    return out;
  }

  @Override
  public Optional<Principal> anonymous() {
    return anonymous;
  }

  @Override
  public void close() {
    if (jwksSource instanceof java.io.Closeable c) {
      try {
        c.close();
      } catch (java.io.IOException e) {
        log.debug("closing the JWKS source: {}", e.toString());
      }
    }
  }

  /** Fetches the JWKS once at start, so the first handshakes do not wait for it on an I/O thread. */
  private static void warm(JWKSource<SecurityContext> source) {
    try {
      source.get(new JWKSelector(new JWKMatcher.Builder().build()), null);
    } catch (KeySourceException e) {
      log.warn("JWKS not available at start ({}); tokens signed with its keys fail until it is", e.getMessage());
    }
  }

  private static JWKSource<SecurityContext> fixed(List<JWK> keys) {
    JWKSet set = new JWKSet(keys);
    return (JWKSelector selector, SecurityContext ctx) -> selector.select(set);
  }

  /** The static keys first, then the JWKS. */
  private static JWKSource<SecurityContext> withRemote(List<JWK> keys, JWKSource<SecurityContext> remote) {
    JWKSet set = new JWKSet(keys);
    return (selector, ctx) -> {
      List<JWK> found = new ArrayList<>(selector.select(set));
      if (found.isEmpty()) found.addAll(remote.get(selector, ctx));
      return found;
    };
  }

  private static JWKSource<SecurityContext> jwksSource(String location, AuthConfig config) {
    long ttl = config.jwksRefresh().toMillis();
    long refreshTimeout = Math.min(ttl, 15_000);
    try {
      if (location.startsWith("http://") || location.startsWith("https://")) {
        // Bounded: 2 s to connect, 2 s to read, at most 64 KiB, so a bad JWKS host cannot hold a thread long.
        return JWKSourceBuilder.create(URI.create(location).toURL(), new DefaultResourceRetriever(2_000, 2_000, 65_536))
            .cache(ttl, refreshTimeout)
            .refreshAheadCache(true)
            .retrying(true)
            .build();
      }
      return JWKSourceBuilder.create(new JwksFile(java.nio.file.Path.of(location)))
          .cache(ttl, refreshTimeout)
          .retrying(false)
          .rateLimited(false)
          .build();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException("auth.jwks is not a valid URL: " + location, e);
    }
  }
}
