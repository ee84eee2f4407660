package io.roomcast.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
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
import java.net.URL;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies JWTs signed with HS256, RS256 or ES256 against the configured keys and JWKS, and reads
 * the rooms a user may use from the {@code roomcast} claim:
 * <pre>{"sub":"alice","exp":1790000000,"roomcast":{"subscribe":["lobby","team-7:*"],"publish":["team-7:chat"]}}</pre>
 * A token without the claim grants no room. Its optional {@code info} object (the {@code roomcast.info}
 * claim, at most {@code maxInfoBytes} of JSON) is what presence shows of the user to the rooms' members. Thread-safe; verification never waits on the network or
 * a file: a JWKS is held in memory and fetched again in the background ({@link JwksRefresher}).
 */
final class JwtAuthenticator implements Authenticator {
  private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);
  /** The claim with the user's room grants. */
  static final String ROOMS_CLAIM = "roomcast";
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256, JWSAlgorithm.ES256);

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  /** The JWKS held in memory; null without a JWKS. */
  private final JwksRefresher jwks;
  /** The thread that fetches the JWKS, periodically and when a token names an unknown key; null without a JWKS. */
  private final ScheduledExecutorService jwksThread;
  private final Optional<Principal> anonymous;
  private final long clockSkewSeconds;
  /** The largest roomcast.info a token may carry, in bytes of JSON. */
  private final int maxInfoBytes;

  JwtAuthenticator(AuthConfig config) {
    this(config, PresenceSettings.DEFAULT_MAX_INFO_BYTES);
  }

  JwtAuthenticator(AuthConfig config, int maxInfoBytes) {
    this.maxInfoBytes = maxInfoBytes;
    List<JWK> keys = Keys.load(config);
    if (config.jwks().isPresent()) {
      Callable<JWKSet> fetch = fetcher(config.jwks().get()); // first: a bad location fails before a thread starts
      jwksThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "roomcast-jwks");
        t.setDaemon(true);
        return t;
      });
      jwks = new JwksRefresher(config.jwks().get(), fetch, config.jwksRefusedKidRefresh(), System::nanoTime, jwksThread);
      // Once at start, on this thread: the first handshakes find the keys held.
      if (!jwks.refresh()) log.warn("JWKS not available at start; tokens signed with its keys fail until it is");
      long every = config.jwksRefresh().toMillis();
      jwksThread.scheduleWithFixedDelay(jwks::refresh, every, every, TimeUnit.MILLISECONDS);
    } else {
      jwksThread = null;
      jwks = null;
    }
    JWKSource<SecurityContext> source = jwks != null ? withRemote(keys, jwks) : fixed(keys);
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
    return new Principal(claims.getSubject(), rooms(claims), Optional.of(expiry), info(claims));
  }

  /** The {@code roomcast.info} object, bounded in size; null when the token has none. */
  private com.google.protobuf.Struct info(JWTClaimsSet claims) throws InvalidTokenException {
    if (!(claims.getClaim(ROOMS_CLAIM) instanceof Map<?, ?> map) || map.get("info") == null) return null;
    if (!(map.get("info") instanceof Map<?, ?> info)) throw new InvalidTokenException(ROOMS_CLAIM + ".info is not an object");
    @SuppressWarnings("unchecked")
    String json = com.nimbusds.jose.util.JSONObjectUtils.toJSONString((Map<String, ?>) info);
    int bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > maxInfoBytes) {
      throw new InvalidTokenException(ROOMS_CLAIM + ".info is " + bytes + " bytes of JSON, over the limit of " + maxInfoBytes);
    }
    com.google.protobuf.Struct.Builder struct = com.google.protobuf.Struct.newBuilder();
    try {
      com.google.protobuf.util.JsonFormat.parser().merge(json, struct);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new InvalidTokenException(ROOMS_CLAIM + ".info is not a JSON object");
    }
    return struct.build();
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
    if (jwksThread != null) jwksThread.shutdownNow();
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

  /**
   * Reads the JWKS at {@code location}: an {@code http(s)://} URL (2 s to connect, 10 s to read, at
   * most 64 KiB: a slow JWKS host holds the JWKS thread, never a client's) or a file.
   */
  private static Callable<JWKSet> fetcher(String location) {
    if (location.startsWith("http://") || location.startsWith("https://")) {
      URL url;
      try {
        url = URI.create(location).toURL();
      } catch (java.net.MalformedURLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("auth.jwks is not a valid URL: " + location, e);
      }
      DefaultResourceRetriever retriever = new DefaultResourceRetriever(2_000, 10_000, 65_536);
      return () -> JWKSet.parse(retriever.retrieveResource(url).getContent());
    }
    JwksFile file = new JwksFile(java.nio.file.Path.of(location));
    return () -> file.getJWKSet(null, System.currentTimeMillis(), null);
  }
}
