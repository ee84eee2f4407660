package io.roomcast.server;

import io.roomcast.core.BrokerUnavailableException;
import io.roomcast.core.ErrorCode;
import io.roomcast.core.Failures;
import io.roomcast.core.History;
import io.roomcast.core.Node;
import io.roomcast.core.Principal;
import io.roomcast.core.Publication;
import io.roomcast.core.RequestRejectedException;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.v1.HistoryPage;
import io.roomcast.protocol.v1.Position;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/rooms/{room}/messages?since=OFFSET&epoch=EPOCH&limit=N}: a room's history after
 * an offset, for backends. {@code since} defaults to 0, {@code epoch} to the room's current one,
 * {@code limit} to the node's {@code max-recovered} (and is capped by it).
 */
final class HistoryHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(HistoryHandler.class);

  private final Node node;
  private final ApiCredentials credentials;

  HistoryHandler(Node node, ApiCredentials credentials) {
    this.node = node;
    this.credentials = credentials;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    String room = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("room");
    Principal principal = credentials.check(exchange);
    if (principal == null) return; // answered 401
    if (!io.roomcast.core.RoomRights.canSubscribe(principal, room)) {
      PublishHandler.fail(exchange, ErrorCode.FORBIDDEN, "not allowed to read " + room);
      return;
    }
    long since;
    int limit;
    try {
      since = number(exchange, "since", 0);
      limit = (int) Math.min(Integer.MAX_VALUE, number(exchange, "limit", node.config().maxRecovered()));
    } catch (NumberFormatException e) {
      PublishHandler.fail(exchange, ErrorCode.BAD_REQUEST, e.getMessage());
      return;
    }
    Deque<String> epoch = exchange.getQueryParameters().get("epoch");
    // The exchange stays open until the broker answers (else Undertow ends it when this returns).
    exchange.dispatch(io.undertow.util.SameThreadExecutor.INSTANCE, () -> history(exchange, room, since, limit, epoch));
  }

  private void history(HttpServerExchange exchange, String room, long since, int limit, Deque<String> epoch) {
    try {
      node.history(room, since, epoch == null ? null : epoch.peekFirst(), limit).whenComplete((h, failure) -> {
        if (failure == null) {
          PublishHandler.respond(exchange, 200, JsonFrames.print(page(h)));
          return;
        }
        Throwable cause = Failures.cause(failure);
        if (cause instanceof BrokerUnavailableException) {
          PublishHandler.fail(exchange, ErrorCode.UNAVAILABLE, "broker unavailable, try again later");
        } else {
          log.warn("history of {} failed", room, cause);
          PublishHandler.fail(exchange, ErrorCode.INTERNAL, "internal error");
        }
      });
    } catch (RequestRejectedException e) {
      PublishHandler.fail(exchange, e.code(), e.getMessage());
    }
  }

  private static HistoryPage page(History h) {
    HistoryPage.Builder page = HistoryPage.newBuilder()
        .setPosition(Position.newBuilder().setOffset(h.latest().offset()).setEpoch(h.latest().epoch()))
        .setComplete(h.complete());
    for (Publication p : h.publications()) page.addMessages(p.toMessage());
    return page.build();
  }

  private static long number(HttpServerExchange exchange, String name, long fallback) {
    Deque<String> values = exchange.getQueryParameters().get(name);
    if (values == null || values.isEmpty()) return fallback;
    long value;
    try {
      value = Long.parseLong(values.peekFirst());
    } catch (NumberFormatException e) {
      throw new NumberFormatException(name + " must be a whole number: " + values.peekFirst());
    }
    if (value < 0) throw new NumberFormatException(name + " must not be negative: " + value);
    return value;
  }
}
