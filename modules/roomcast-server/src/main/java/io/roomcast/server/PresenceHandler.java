package io.roomcast.server;

import io.roomcast.core.Node;
import io.roomcast.core.Principal;
import io.roomcast.core.RequestRejectedException;
import io.roomcast.protocol.JsonFrames;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /api/v1/rooms/{room}/presence} (the members, as the {@code presence} reply: 413 above
 * {@code presence.max-members}) and {@code GET /api/v1/rooms/{room}/presence/stats} (the counts), with
 * an API key or a token allowed to read the room's presence, like the history endpoint.
 */
final class PresenceHandler implements HttpHandler {
  private final Node node;
  private final ApiCredentials credentials;
  /** Whether this is the counts endpoint. */
  private final boolean stats;

  PresenceHandler(Node node, ApiCredentials credentials, boolean stats) {
    this.node = node;
    this.credentials = credentials;
    this.stats = stats;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    String room = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("room");
    Principal principal = credentials.check(exchange);
    if (principal == null) return; // answered 401
    CompletionStage<? extends com.google.protobuf.MessageOrBuilder> answer;
    try {
      answer = stats ? node.presenceStats(principal, room) : node.presence(principal, room);
    } catch (RequestRejectedException e) {
      PublishHandler.fail(exchange, e.code(), e.getMessage());
      return;
    }
    // The exchange stays open until the store answers (else Undertow ends it when this returns).
    exchange.dispatch(io.undertow.util.SameThreadExecutor.INSTANCE, () -> answer.whenComplete((body, failure) -> {
      if (failure == null) {
        PublishHandler.respond(exchange, 200, JsonFrames.print(body));
      } else {
        RequestRejectedException e = node.presenceRejection(room, failure);
        PublishHandler.fail(exchange, e.code(), e.getMessage());
      }
    }));
  }
}
