package io.roomcast.core;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the requests of every session: checks them, acts on the hub and the broker, and
 * answers each with a reply that echoes its id. A refused request gets an {@code error} and changes
 * nothing. Runs on the requesting session's thread; broker answers hop back there.
 */
final class Requests {
  private static final Logger log = LoggerFactory.getLogger(Requests.class);

  private final Hub hub;
  private final Broker broker;
  private final RoomNames names;
  private final SessionLimits limits;
  private final NodeSecurity security;
  private final Scheduler scheduler;
  private final NodeMetrics metrics;
  private final Recovery recovery;

  Requests(Hub hub, Broker broker, SessionLimits limits, int maxRecovered, NodeSecurity security,
      Scheduler scheduler, NodeMetrics metrics) {
    this.hub = hub;
    this.broker = broker;
    this.names = new RoomNames(limits.maxRoomNameLength());
    this.limits = limits;
    this.security = security;
    this.scheduler = scheduler;
    this.metrics = metrics;
    this.recovery = new Recovery(broker, maxRecovered, metrics.registry);
  }

  PublishThrottle newThrottle() {
    return new PublishThrottle(security.publishRate(), scheduler);
  }

  Hub hub() {
    return hub;
  }

  void handle(Session s, ClientFrame f) {
    int id = f.getId();
    boolean hasId = f.hasId();
    try {
      switch (f.getKindCase()) {
        case SUBSCRIBE -> subscribe(s, id, hasId, f.getSubscribe());
        case UNSUBSCRIBE -> unsubscribe(s, id, hasId, f.getUnsubscribe().getRoom());
        case PUBLISH -> publish(s, id, hasId, f.getPublish());
        case PING -> s.reply(Frames.pong(id, hasId));
        case PONG -> { } // answers to server pings; heartbeats are tracked by the transport's idle timer
        case CONNECT -> authenticate(s, id, hasId, f.getConnect().getToken(), false);
        case REFRESH -> authenticate(s, id, hasId, f.getRefresh().getToken(), true);
        case KIND_NOT_SET -> throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "frame carries no request");
      }
    } catch (RequestRejectedException e) {
      reject(s, f.getKindCase().name(), id, hasId, e.code(), e.getMessage());
    }
  }

  /**
   * {@code connect} and {@code refresh}: a valid token replaces the connection's principal and its
   * expiry; an invalid one gets 401 and changes nothing. A refresh must name the same user.
   */
  private void authenticate(Session s, int id, boolean hasId, String token, boolean refresh) {
    if (!security.authenticator().enabled()) { // an open node accepts any token as it is
      s.reply(Frames.ack(id, hasId, Publication.NO_OFFSET));
      return;
    }
    Principal p;
    try {
      p = security.authenticator().authenticate(token);
    } catch (InvalidTokenException e) {
      throw new RequestRejectedException(ErrorCode.UNAUTHORIZED, "invalid token: " + e.getMessage());
    }
    Principal current = s.principal();
    if (refresh && current != null && !current.subject().equals(p.subject())) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "a refresh token must be for the same user");
    }
    authenticated(s, p);
    s.reply(Frames.ack(id, hasId, Publication.NO_OFFSET));
  }

  /** Gives the session its principal and, when the token expires, arranges the close with 4001 unless refreshed. */
  void authenticated(Session s, Principal p) {
    if (p.expiresAt().isEmpty()) {
      s.setPrincipal(p, null);
      return;
    }
    long delayMs = Math.max(0, p.expiresAt().get().toEpochMilli() - scheduler.nowMillis());
    s.setPrincipal(p, scheduler.schedule(() -> s.later(() -> {
      if (s.principal() == p) { // not refreshed meanwhile
        metrics.tokensExpired.increment();
        s.disconnect(Disconnect.TOKEN_EXPIRED);
      }
    }), delayMs, TimeUnit.MILLISECONDS));
  }

  /** Closes {@code s} with 4003 unless it has a principal when the authentication timeout ends. */
  void awaitToken(Session s) {
    scheduler.schedule(() -> s.later(() -> {
      if (s.principal() == null) {
        metrics.unauthenticated.increment();
        s.disconnect(Disconnect.UNAUTHENTICATED);
      }
    }), security.authenticationTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The principal of a request that needs one: 401 when the connection has none yet. */
  private static Principal principalOf(Session s) {
    Principal p = s.principal();
    if (p == null) throw new RequestRejectedException(ErrorCode.UNAUTHORIZED, "a token is required: send connect {token} first");
    return p;
  }

  private void subscribe(Session s, int id, boolean hasId, io.roomcast.protocol.v1.Subscribe request) {
    String room = request.getRoom();
    names.check(room);
    if (!principalOf(s).permissions().canSubscribe(room)) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "not allowed to subscribe to " + room);
    }
    if (s.subscription(room) != null) {
      throw new RequestRejectedException(ErrorCode.ALREADY_SUBSCRIBED, "already subscribed to " + room);
    }
    if (s.subscriptions().size() >= limits.maxRooms()) {
      throw new RequestRejectedException(ErrorCode.TOO_MANY_REQUESTS, "at most " + limits.maxRooms() + " rooms per connection");
    }
    Subscription sub = new Subscription(room, s, recovery);
    s.addSubscription(sub);
    StreamPosition since = request.hasSince()
        ? new StreamPosition(request.getSince().getOffset(), request.getSince().getEpoch()) : null;
    // Subscribed at the broker first, then read where the room stands: every message after that
    // position reaches this node, and the subscription holds live ones back until it is settled.
    hub.join(sub)
        .thenCompose(v -> since == null
            ? recovery.position(room).thenApply(p -> new History(List.of(), p, true))
            : recovery.after(room, since))
        .whenComplete((history, failure) -> s.later(() -> {
          if (s.subscription(room) != sub) {
            reject(s, "SUBSCRIBE", id, hasId, ErrorCode.NOT_SUBSCRIBED, "unsubscribed from " + room + " before the subscription took effect");
            return;
          }
          if (failure != null) {
            s.removeSubscription(sub);
            hub.leave(sub);
            brokerFailed(s, "SUBSCRIBE", id, hasId, failure);
            return;
          }
          Boolean recovered = since == null ? null : history.complete();
          if (recovered != null) recovery.countResume(recovered);
          s.reply(Frames.subscribed(id, hasId, room, history.latest(), recovered));
          sub.settle(history.latest(), Boolean.TRUE.equals(recovered) ? history.publications() : List.of());
        }));
  }

  private void unsubscribe(Session s, int id, boolean hasId, String room) {
    names.check(room);
    Subscription sub = s.subscription(room);
    if (sub == null) throw new RequestRejectedException(ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + room);
    s.removeSubscription(sub);
    hub.leave(sub);
    s.reply(Frames.unsubscribed(id, hasId, room));
  }

  private void publish(Session s, int id, boolean hasId, Publish p) {
    Payload payload = payloadOf(p);
    checkPublish(p.getRoom(), payload);
    if (!principalOf(s).permissions().canPublish(p.getRoom())) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "not allowed to publish in " + p.getRoom());
    }
    switch (s.throttle().tryPublish()) {
      case ALLOWED -> { }
      case REFUSED -> throw new RequestRejectedException(ErrorCode.TOO_MANY_REQUESTS,
          "more than " + security.publishRate().perSecond() + " publishes per second");
      case ABUSIVE -> {
        metrics.rejected("publish", ErrorCode.TOO_MANY_REQUESTS);
        log.debug("session {} from {} keeps publishing too fast: closed", s.id(), s.connection().remoteAddress());
        s.disconnect(Disconnect.TOO_MANY_REQUESTS);
        return;
      }
    }
    metrics.publishedWs.increment();
    s.publishStarted();
    metrics.timePublish(broker.publish(p.getRoom(), payload)).whenComplete((publication, failure) -> s.later(() -> {
      if (failure != null) {
        brokerFailed(s, "PUBLISH", id, hasId, failure);
      } else {
        s.reply(Frames.ack(id, hasId, publication.offset()));
      }
      s.publishEnded(); // after the answer: a draining session closes right after it
    }));
  }

  void checkRoom(String room) {
    names.check(room);
  }

  /** The checks of every publish, whichever way it comes in. */
  void checkPublish(String room, Payload payload) {
    names.check(room);
    if (payload.size() > limits.maxPayloadBytes()) {
      throw new RequestRejectedException(ErrorCode.PAYLOAD_TOO_LARGE,
          "payload of " + payload.size() + " bytes is over the limit of " + limits.maxPayloadBytes());
    }
  }

  private static Payload payloadOf(Publish p) {
    return switch (p.getPayloadCase()) {
      case TEXT -> Payload.text(p.getText());
      case DATA -> Payload.binary(p.getData().toByteArray());
      case PAYLOAD_NOT_SET -> throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "publish carries neither data nor text");
    };
  }

  private void brokerFailed(Session s, String request, int id, boolean hasId, Throwable failure) {
    Throwable cause = Failures.cause(failure);
    if (cause instanceof BrokerUnavailableException) {
      reject(s, request, id, hasId, ErrorCode.UNAVAILABLE, "broker unavailable, try again later");
    } else {
      log.atWarn().addKeyValue("session", s.id()).addKeyValue("remote", s.connection().remoteAddress())
          .addKeyValue("request", request).addKeyValue("code", ErrorCode.INTERNAL.code()).setCause(cause).log("{} failed", request);
      reject(s, request, id, hasId, ErrorCode.INTERNAL, "internal error");
    }
  }

  private void reject(Session s, String request, int id, boolean hasId, ErrorCode code, String message) {
    metrics.rejected(request.toLowerCase(java.util.Locale.ROOT), code);
    s.reply(Frames.error(id, hasId, code, message));
  }
}
