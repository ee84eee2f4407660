package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Authenticator;
import io.roomcast.core.ErrorCode;
import io.roomcast.core.InvalidTokenException;
import io.roomcast.core.MetricNames;
import io.roomcast.core.Principal;
import io.roomcast.core.RoomPermissions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The credential of an HTTP API request, {@code Authorization: Bearer <API key or token>}: an API
 * key may publish in every room, a token where its {@code roomcast.publish} grants say. A node
 * without keys and API keys asks for none.
 */
final class ApiCredentials {
  private static final Principal OPEN = Principal.anonymous(RoomPermissions.ALL);

  private final boolean required;
  private final List<byte[]> apiKeys;
  /** One principal per API key, in the order of {@code apiKeys}, so each key has its own publish rate. */
  private final List<Principal> apiKeyPrincipals;
  private final Authenticator authenticator;
  private final MeterRegistry registry;

  ApiCredentials(AuthConfig auth, Authenticator authenticator, MeterRegistry registry) {
    this.required = auth.httpCredentialRequired();
    this.apiKeys = auth.apiKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    this.apiKeyPrincipals = java.util.stream.IntStream.range(0, apiKeys.size())
        .mapToObj(i -> new Principal("api-key", RoomPermissions.ALL, java.util.Optional.empty())).toList();
    this.authenticator = authenticator;
    this.registry = registry;
  }

  /** The request's principal, or null after answering 401 (missing or invalid credential). */
  Principal check(HttpServerExchange exchange) {
    if (!required) return OPEN;
    String auth = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return unauthorized(exchange, "an API key or token is required: Authorization: Bearer ...");
    }
    String credential = auth.substring(7).trim();
    byte[] given = credential.getBytes(StandardCharsets.UTF_8);
    int key = -1;
    for (int i = 0; i < apiKeys.size(); i++) {
      if (MessageDigest.isEqual(apiKeys.get(i), given)) key = i; // constant time, and no early exit
    }
    if (key >= 0) return apiKeyPrincipals.get(key);
    if (!authenticator.enabled()) return unauthorized(exchange, "invalid API key");
    try {
      return authenticator.authenticate(credential);
    } catch (InvalidTokenException e) {
      return unauthorized(exchange, "invalid API key or token: " + e.getMessage());
    }
  }

  /**
   * What a request's publish rate is counted under: its API key (by position, never the key itself),
   * its token's subject, or, on a node that asks for no credential, the address it comes from.
   */
  String rateKey(Principal principal, HttpServerExchange exchange) {
    // By identity: each key's principal is its own object (records with equal fields are equal).
    for (int i = 0; i < apiKeyPrincipals.size(); i++) if (apiKeyPrincipals.get(i) == principal) return "api-key:" + i;
    if (principal == OPEN) return "address:" + exchange.getSourceAddress().getAddress().getHostAddress();
    return "subject:" + principal.subject();
  }

  private Principal unauthorized(HttpServerExchange exchange, String message) {
    registry.counter(MetricNames.HTTP_REJECTED, "code", "401").increment();
    exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
    PublishHandler.fail(exchange, ErrorCode.UNAUTHORIZED, message);
    return null;
  }
}
