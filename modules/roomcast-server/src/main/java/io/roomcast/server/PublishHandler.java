package io.roomcast.server;

import io.roomcast.core.BrokerUnavailableException;
import io.roomcast.core.ErrorCode;
import io.roomcast.core.Failures;
import io.roomcast.core.Node;
import io.roomcast.core.Payload;
import io.roomcast.core.RequestRejectedException;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.v1.Error;
import io.roomcast.protocol.v1.Position;
import io.roomcast.core.Principal;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/rooms/{room}/messages}: the body is the payload (text when the content type is
 * text/* or JSON and the body is UTF-8, bytes otherwise). Answers 200 with the message's position
 * as JSON, or the error code of the WebSocket protocol as the HTTP status with an error object. An
 * {@code Idempotency-Key} header (at most 64 bytes) makes the publish safe to retry: every retry with
 * the same key, on any node, gets the first one's offset and stores nothing again.
 */
final class PublishHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(PublishHandler.class);
  static final io.undertow.util.HttpString IDEMPOTENCY_KEY = new io.undertow.util.HttpString("Idempotency-Key");
  /** The longest idempotency key, in bytes (as in the WebSocket protocol's {@code idempotency_key}). */
  static final int MAX_IDEMPOTENCY_KEY_BYTES = 64;

  private final Node node;
  private final int maxPayloadBytes;
  private final ApiCredentials credentials;
  private final ApiPublishRate rate;

  PublishHandler(Node node, ApiCredentials credentials, ApiPublishRate rate) {
    this.node = node;
    this.maxPayloadBytes = node.config().limits().maxPayloadBytes();
    this.credentials = credentials;
    this.rate = rate;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    String room = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("room");
    Principal principal = credentials.check(exchange);
    if (principal == null) return; // answered 401
    long retryAfter = rate.tryAcquire(credentials.rateKey(principal, exchange));
    if (retryAfter > 0) {
      exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(retryAfter));
      fail(exchange, ErrorCode.TOO_MANY_REQUESTS, "over the publish rate of this credential, retry in " + retryAfter + " s");
      return;
    }
    String key = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
    if (key != null && key.getBytes(StandardCharsets.UTF_8).length > MAX_IDEMPOTENCY_KEY_BYTES) {
      fail(exchange, ErrorCode.BAD_REQUEST, "Idempotency-Key header of " + key.getBytes(StandardCharsets.UTF_8).length
          + " bytes is over the limit of " + MAX_IDEMPOTENCY_KEY_BYTES);
      return;
    }
    if (exchange.getRequestContentLength() > maxPayloadBytes) {
      fail(exchange, ErrorCode.PAYLOAD_TOO_LARGE, "payload of " + exchange.getRequestContentLength()
          + " bytes is over the limit of " + maxPayloadBytes);
      return;
    }
    exchange.setMaxEntitySize(maxPayloadBytes);
    exchange.getRequestReceiver().receiveFullBytes(
        // dispatch: the exchange stays open until the broker answers; without it Undertow ends the
        // exchange (an empty 200) as soon as this callback returns, before the publish happened.
        (ex, body) -> ex.dispatch(io.undertow.util.SameThreadExecutor.INSTANCE, () -> publish(ex, principal, room, body, key)),
        (ex, failure) -> {
          if (failure instanceof RequestTooBigException) {
            fail(ex, ErrorCode.PAYLOAD_TOO_LARGE, "payload is over the limit of " + maxPayloadBytes + " bytes");
          } else {
            fail(ex, ErrorCode.BAD_REQUEST, "could not read the body");
          }
        });
  }

  private void publish(HttpServerExchange exchange, Principal principal, String room, byte[] body, String key) {
    Payload payload = isText(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE)) && isUtf8(body)
        ? new Payload(body, true) : Payload.binary(body);
    try {
      node.publish(principal, room, payload, key).whenComplete((publication, failure) -> {
        if (failure == null) {
          respond(exchange, 200, JsonFrames.print(Position.newBuilder()
              .setOffset(publication.offset()).setEpoch(publication.epoch())));
          return;
        }
        Throwable cause = Failures.cause(failure);
        if (cause instanceof BrokerUnavailableException) {
          fail(exchange, ErrorCode.UNAVAILABLE, "broker unavailable, try again later");
        } else {
          log.warn("HTTP publish to {} failed", room, cause);
          fail(exchange, ErrorCode.INTERNAL, "internal error");
        }
      });
    } catch (RequestRejectedException e) {
      fail(exchange, e.code(), e.getMessage());
    } catch (RuntimeException e) { // a bug: answered, never thrown at Undertow
      log.warn("HTTP publish to {} failed", room, e);
      fail(exchange, ErrorCode.INTERNAL, "internal error");
    }
  }

  private static boolean isText(String contentType) {
    if (contentType == null) return false;
    String type = contentType.toLowerCase(java.util.Locale.ROOT);
    return type.startsWith("text/") || type.startsWith("application/json");
  }

  private static boolean isUtf8(byte[] body) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  static void fail(HttpServerExchange exchange, ErrorCode code, String message) {
    respond(exchange, code.code(), JsonFrames.print(Error.newBuilder().setCode(code.code()).setMessage(message)));
  }

  static void respond(HttpServerExchange exchange, int status, String json) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
    exchange.getResponseSender().send(json + "\n");
  }
}
