package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Node;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The management port's routes: {@code POST /admin/drain} (with the token when one is set),
 * {@code GET /metrics} for Prometheus, and the health endpoints. No PROXY protocol and no TLS here:
 * the peer is who it is, and the port is reached from the node's host or a private network.
 */
final class ManagementEndpoints {
  private ManagementEndpoints() {}

  static HttpHandler routes(Node node, MeterRegistry registry, Optional<String> token, Runnable drain) {
    Optional<byte[]> expected = token.map(ManagementEndpoints::digest);
    return Handlers.routing()
        .post("/admin/drain", ex -> {
          if (expected.isPresent() && !authorized(ex, expected.get())) {
            ex.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            RoomcastServer.text(ex, StatusCodes.UNAUTHORIZED, "management token required");
            return;
          }
          drain.run();
          RoomcastServer.text(ex, StatusCodes.ACCEPTED, "draining");
        })
        .get("/metrics", Metrics.endpoint(registry))
        .get("/healthz", ex -> RoomcastServer.text(ex, StatusCodes.OK, "ok"))
        .get("/readyz", RoomcastServer.readiness(node))
        .setFallbackHandler(ex -> RoomcastServer.text(ex, StatusCodes.NOT_FOUND, "not found"))
        .setInvalidMethodHandler(ex -> {
          ex.setStatusCode(StatusCodes.METHOD_NOT_ALLOWED);
          ex.endExchange();
        });
  }

  /** Compares digests of equal length in constant time: neither the token's bytes nor its length leak. */
  private static boolean authorized(HttpServerExchange ex, byte[] expected) {
    String header = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
    return MessageDigest.isEqual(digest(header.substring(7).trim()), expected);
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
