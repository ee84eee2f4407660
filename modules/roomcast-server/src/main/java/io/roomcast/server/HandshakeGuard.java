package io.roomcast.server;

import io.roomcast.core.Authenticator;
import io.roomcast.core.InvalidTokenException;
import io.roomcast.core.Principal;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.util.Deque;
import java.util.Optional;

/**
 * Stands in front of Undertow's WebSocket handshake on {@code /ws} and refuses, before any upgrade
 * and at the cheapest point first: malformed handshakes (400, 426), foreign origins (403), a full
 * node (503), an address over its connection count or rate (429), an invalid token (401). A
 * handshake that passes carries its client address, principal and connection slot to the endpoint.
 */
final class HandshakeGuard implements HttpHandler {
  /** Who the handshake's token says the client is; absent when it presented none and the node requires one. */
  static final AttachmentKey<Principal> PRINCIPAL = AttachmentKey.create(Principal.class);
  /** The client's address, after trusted proxies. */
  static final AttachmentKey<String> CLIENT_ADDRESS = AttachmentKey.create(String.class);
  /** The connection's place in the limits, given back when it closes. */
  static final AttachmentKey<ConnectionLimiter.Slot> SLOT = AttachmentKey.create(ConnectionLimiter.Slot.class);

  private final HttpHandler next;
  private final OriginPolicy origins;
  /** Who the client is behind the trusted proxies, with their ranges parsed once. */
  private final ClientAddresses clients;
  private final ConnectionLimiter limiter;
  private final Authenticator authenticator;
  private final HandshakeRejections rejections;

  HandshakeGuard(HttpHandler next, SecurityConfig security, ConnectionLimiter limiter, Authenticator authenticator,
      HandshakeRejections rejections) {
    this.next = next;
    this.origins = security.origins();
    this.clients = new ClientAddresses(security.proxies());
    this.limiter = limiter;
    this.authenticator = authenticator;
    this.rejections = rejections;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    var headers = exchange.getRequestHeaders();
    // Every X-Forwarded-For line, in order: a proxy that appends a line of its own must be read from the right.
    String client = clients.of(exchange.getSourceAddress().getAddress(), headers.get(Headers.X_FORWARDED_FOR));
    Optional<Rejection> malformed = HandshakeValidator.check(headers::getFirst);
    if (malformed.isPresent()) {
      refuse(exchange, malformed.get(), client, null);
      return;
    }
    if (!origins.allows(headers.getFirst(Headers.ORIGIN), headers.getFirst(Headers.HOST))) {
      refuse(exchange, Rejection.ORIGIN, client, null);
      return;
    }
    ConnectionLimiter.Admission admission = limiter.tryAcquire(client);
    if (admission.refused() != null) {
      refuse(exchange, admission.refused(), client, null);
      return;
    }
    ConnectionLimiter.Slot slot = admission.slot();
    Principal principal;
    String token = token(exchange);
    if (token == null || !authenticator.enabled()) {
      principal = authenticator.anonymous().orElse(null); // null: it must send connect {token} before anything else
    } else {
      try {
        principal = authenticator.authenticate(token);
      } catch (InvalidTokenException e) {
        slot.release();
        refuse(exchange, Rejection.TOKEN_INVALID, client, e.getMessage());
        return;
      }
    }
    exchange.putAttachment(CLIENT_ADDRESS, client);
    exchange.putAttachment(SLOT, slot);
    if (principal != null) exchange.putAttachment(PRINCIPAL, principal);
    // An upgraded connection gives its slot back when it closes (WebSocketEndpoint); any other answer, now.
    exchange.addExchangeCompleteListener((ex, nextListener) -> {
      if (ex.getStatusCode() != StatusCodes.SWITCHING_PROTOCOLS) slot.release();
      nextListener.proceed();
    });
    next.handleRequest(exchange);
  }

  /** {@code Authorization: Bearer <token>}, else the {@code token} query parameter (browsers cannot set headers). */
  private static String token(HttpServerExchange exchange) {
    String auth = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return auth.substring(7).trim();
    Deque<String> q = exchange.getQueryParameters().get("token");
    return q == null || q.isEmpty() ? null : q.getFirst();
  }

  private void refuse(HttpServerExchange exchange, Rejection r, String client, String detail) {
    rejections.record(r, client);
    var out = exchange.getResponseHeaders();
    switch (r.status) {
      case 426 -> {
        out.put(Headers.UPGRADE, "websocket");
        out.put(Headers.SEC_WEB_SOCKET_VERSION, "13");
      }
      case 401 -> out.put(Headers.WWW_AUTHENTICATE, "Bearer");
      case 429, 503 -> out.put(Headers.RETRY_AFTER, "1");
      default -> { }
    }
    exchange.setStatusCode(r.status);
    out.put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
    exchange.getResponseSender().send(detail == null ? r.message + "\n" : r.message + ": " + detail + "\n");
  }
}
