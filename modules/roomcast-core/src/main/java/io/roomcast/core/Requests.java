package io.roomcast.core;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the requests of every client: checks them, acts on the hub and the broker, and
 * answers each with a reply that echoes its id. A refused request gets an {@code error} and changes
 * nothing. Runs on the requesting session's thread; broker answers hop back there. What it needs to
 * remember of a client between requests is that client's {@link ClientState}.
 */
final class Requests implements RequestHandler {
  private static final Logger log = LoggerFactory.getLogger(Requests.class);

  private final Hub hub;
  private final Broker broker;
  private final PublishChecks checks;
  private final SessionLimits limits;
  private final NodeSecurity security;
  private final Scheduler scheduler;
  private final NodeMetrics metrics;
  private final Recovery recovery;
  /** Presence of this node's members; set once by {@link #presence}, before the first session. */
  private PresenceTracker tracker;
  private PresenceRequests presenceRequests;
  private PersonalRooms personal;

  Requests(Hub hub, Broker broker, PublishChecks checks, SessionLimits limits, int maxRecovered, NodeSecurity security,
      Scheduler scheduler, NodeMetrics metrics) {
    this.hub = hub;
    this.broker = broker;
    this.checks = checks;
    this.limits = limits;
    this.security = security;
    this.scheduler = scheduler;
    this.metrics = metrics;
    this.recovery = new Recovery(broker, maxRecovered, metrics, hub, hub::tick, scheduler);
  }

  /** The node's one recovery: history reads of every subscription, shared while in flight. */
  Recovery recovery() {
    return recovery;
  }

  /** Wires presence and the node's own subscriptions in; called once by the node, before any session. */
  void presence(PresenceTracker tracker, PresenceRequests presenceRequests, PersonalRooms personal) {
    this.tracker = tracker;
    this.presenceRequests = presenceRequests;
    this.personal = personal;
  }

  @Override
  public void handle(Request r, ClientFrame f) {
    try {
      switch (f.getKindCase()) {
        case SUBSCRIBE -> subscribe(r, f.getSubscribe());
        case UNSUBSCRIBE -> unsubscribe(r, f.getUnsubscribe().getRoom());
        case PUBLISH -> publish(r, f.getPublish());
        case PING -> r.reply(Frames.pong(r.id(), r.hasId()));
        case PONG -> { } // answers to server pings; the session's heartbeat heard the message already
        case CONNECT -> authenticate(r, f.getConnect().getToken(), false);
        case REFRESH -> authenticate(r, f.getRefresh().getToken(), true);
        case PRESENCE, PRESENCE_STATS -> presenceRequests.handle(r, f);
        case KIND_NOT_SET -> throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "frame carries no request");
      }
    } catch (RequestRejectedException e) {
      reject(r, f.getKindCase().name(), e.code(), e.getMessage());
    } catch (RuntimeException e) { // a bug: this request fails, the connection and the node carry on
      failed(r, f.getKindCase().name(), e);
    }
  }

  /** An unexpected exception in a request: answered 500, counted, logged; never thrown at the transport. */
  private void failed(Request r, String request, Throwable e) {
    metrics.requestFailed(request.toLowerCase(Locale.ROOT));
    log.atWarn().addKeyValue("session", r.session().id()).addKeyValue("remote", r.session().connection().remoteAddress())
        .addKeyValue("request", request).addKeyValue("code", ErrorCode.INTERNAL.code()).setCause(e).log("{} failed", request);
    reject(r, request, ErrorCode.INTERNAL, "internal error");
  }

  /**
   * {@code connect} and {@code refresh}: a valid token replaces the connection's principal and its
   * expiry; an invalid one gets 401 and changes nothing. Once a connection has a user, a token for
   * another user gets 403 and changes nothing, by {@code connect} as by {@code refresh} (an anonymous
   * connection may still sign in). Rooms the new token no longer grants are left at once, each with a
   * pushed {@code unsubscribed {room, code: 403}}, before the ack.
   */
  private void authenticate(Request r, String token, boolean refresh) {
    if (!security.authenticator().enabled()) { // an open node accepts any token as it is
      r.reply(Frames.ack(r.id(), r.hasId(), Publication.NO_OFFSET));
      return;
    }
    Principal p;
    try {
      p = security.authenticator().authenticate(token);
    } catch (InvalidTokenException e) {
      throw new RequestRejectedException(ErrorCode.UNAUTHORIZED, "invalid token: " + e.getMessage());
    }
    Principal current = r.client().principal();
    if (current != null && !current.subject().equals(p.subject())
        && (refresh || !Principal.ANONYMOUS_SUBJECT.equals(current.subject()))) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "a new token must be for the same user");
    }
    authenticated(r.session(), p);
    revokeUngranted(r.session(), p);
    personal.signedIn(r.session(), p);
    r.reply(Frames.ack(r.id(), r.hasId(), Publication.NO_OFFSET));
  }

  /** Leaves every room of {@code s} that {@code p} may not subscribe to, telling the client with a pushed {@code unsubscribed} 403. */
  private void revokeUngranted(Session s, Principal p) {
    for (Subscription sub : s.client().subscriptionsNotGranted(p, s.id())) {
      s.client().remove(sub);
      sub.leave();
      hub.leave(sub);
      s.outbox().reply(Frames.unsubscribedPush(sub.room, ErrorCode.FORBIDDEN), null);
    }
  }

  /** Gives the session its principal and, when the token expires, arranges the close with 4001 unless refreshed. */
  void authenticated(Session s, Principal p) {
    ClientState client = s.client();
    if (p.expiresAt().isEmpty()) {
      client.setPrincipal(p, null);
      return;
    }
    long delayMs = Math.max(0, p.expiresAt().get().toEpochMilli() - scheduler.nowMillis());
    client.setPrincipal(p, scheduler.schedule(() -> s.later(() -> {
      if (client.principal() == p) { // not refreshed meanwhile
        metrics.tokensExpired.increment();
        s.disconnect(Disconnect.TOKEN_EXPIRED);
      }
    }), delayMs, TimeUnit.MILLISECONDS));
  }

  /** Closes {@code s} with 4003 unless it has a principal when the authentication timeout ends. */
  void awaitToken(Session s) {
    scheduler.schedule(() -> s.later(() -> {
      if (s.client().principal() == null) {
        metrics.unauthenticated.increment();
        s.disconnect(Disconnect.UNAUTHENTICATED);
      }
    }), security.authenticationTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The session is gone: it leaves its rooms, and its token expiry is cancelled. */
  void released(Session s) {
    for (Subscription sub : s.client().release()) {
      sub.leave();
      hub.leave(sub);
    }
  }

  /** The principal of a request that needs one: 401 when the connection has none yet. */
  private static Principal principalOf(Request r) {
    Principal p = r.client().principal();
    if (p == null) throw new RequestRejectedException(ErrorCode.UNAUTHORIZED, "a token is required: send connect {token} first");
    return p;
  }

  private void subscribe(Request r, io.roomcast.protocol.v1.Subscribe request) {
    String room = request.getRoom();
    checks.checkRoom(room);
    StreamPosition since = sinceOf(request); // checked before anything is changed
    ClientState client = r.client();
    if (!RoomRights.canSubscribe(principalOf(r), room)) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "not allowed to subscribe to " + room);
    }
    Subscription own = client.subscription(room);
    if (own != null && own.serverSide && RoomRights.isPersonalRoom(room)) {
      // The client resumes its personal room (subscribe with since): its subscription replaces the node's,
      // and the session stays a member of the room throughout (no leave, no join).
      own.onLeave = null;
      drop(client, own);
    }
    if (client.subscription(room) != null || personal.holdsWithoutSubscription(r.session(), room)) {
      throw new RequestRejectedException(ErrorCode.ALREADY_SUBSCRIBED, "already subscribed to " + room);
    }
    switch (client.subscribeThrottle().tryAcquire()) {
      case ALLOWED -> { }
      case REFUSED -> throw new RequestRejectedException(ErrorCode.TOO_MANY_REQUESTS,
          "more than " + security.subscribeRate().perSecond() + " subscribes per second");
      case ABUSIVE -> {
        metrics.rejected("subscribe", ErrorCode.TOO_MANY_REQUESTS);
        log.debug("session {} from {} keeps subscribing too fast: closed", r.session().id(), r.session().connection().remoteAddress());
        r.session().disconnect(Disconnect.TOO_MANY_REQUESTS);
        return;
      }
    }
    if (client.roomCount() >= limits.maxRooms()) {
      throw new RequestRejectedException(ErrorCode.TOO_MANY_REQUESTS, "at most " + limits.maxRooms() + " rooms per connection");
    }
    Session s = r.session();
    Subscription sub = new Subscription(room, s.shard(), s.outbox(), recovery, s.connection().executor());
    client.add(sub);
    try {
      join(r, sub, since, request.getJoinLeave());
    } catch (RuntimeException e) { // nothing half-done: no phantom subscription
      drop(client, sub);
      throw e;
    }
  }

  /** The position a subscribe resumes from, or null; 400 for an offset past 2^63 - 1 (a uint64 on the wire). */
  private static StreamPosition sinceOf(io.roomcast.protocol.v1.Subscribe request) {
    if (!request.hasSince()) return null;
    long offset = request.getSince().getOffset();
    if (offset < 0) {
      throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "since.offset " + Long.toUnsignedString(offset) + " is out of range");
    }
    return new StreamPosition(offset, request.getSince().getEpoch());
  }

  private void join(Request r, Subscription sub, StreamPosition since, boolean joinLeave) {
    String room = sub.room;
    ClientState client = r.client();
    // Subscribed at the broker first, then read where the room stands: every message after that
    // position reaches this node, and the subscription holds live ones back until it is settled.
    hub.join(sub)
        .thenCompose(v -> since == null
            ? recovery.position(room).thenApply(p -> new Recovery.Replay(new History(List.of(), p, true), List.of()))
            : recovery.after(room, since).thenCompose(replay -> fromEpochStart(room, since, replay)))
        .whenComplete((replay, failure) -> r.later(() -> {
          if (client.subscription(room) != sub) {
            reject(r, "SUBSCRIBE", ErrorCode.NOT_SUBSCRIBED, "unsubscribed from " + room + " before the subscription took effect");
            return;
          }
          if (failure != null) {
            drop(client, sub);
            brokerFailed(r, "SUBSCRIBE", failure);
            return;
          }
          try {
            History history = replay.history();
            StreamPosition latest = since == null ? history.latest() : history.latest().orKept(since);
            boolean sameStream = since != null && continues(since, history.latest());
            Boolean recovered = since == null ? null : history.complete() && sameStream;
            if (recovered != null) recovery.countResume(recovered);
            // A resume into a new epoch whose history reaches its first message: the client is told the
            // stream restarts before offset 1 and gets all of the new epoch, not only what follows its latest.
            boolean restarted = since != null && !sameStream && history.complete();
            StreamPosition told = restarted ? new StreamPosition(0, latest.epoch()) : latest;
            r.reply(Frames.subscribed(r.id(), r.hasId(), room, told, recovered));
            sub.settle(latest, history.complete() ? replay.frames() : List.of());
            Principal member = client.principal();
            if (member != null) {
              sub.joinLeave = joinLeave && RoomRights.canReadPresence(member, room, tracker.config().access(room));
              tracker.joined(sub, r.session(), member);
            }
          } catch (RuntimeException e) { // a bug: the room is left, not half-joined
            drop(client, sub);
            failed(r, "SUBSCRIBE", e);
          }
        }));
  }

  /**
   * When {@code since} belongs to an epoch the room no longer has, the new epoch's history from its
   * first message, if the broker still holds all of it; otherwise {@code replay} as it is.
   */
  private CompletionStage<Recovery.Replay> fromEpochStart(String room, StreamPosition since, Recovery.Replay replay) {
    StreamPosition latest = replay.history().latest();
    if (replay.history().complete() || latest.isEmptyRoom() || continues(since, latest)) {
      return CompletableFuture.completedFuture(replay);
    }
    return recovery.after(room, new StreamPosition(0, latest.epoch()))
        .thenApply(fromStart -> fromStart.history().complete() ? fromStart : replay);
  }

  /** Whether offsets after {@code since} belong to the stream {@code latest} is in (same epoch, or a room that had none). */
  private static boolean continues(StreamPosition since, StreamPosition latest) {
    return since.epoch().equals(latest.epoch()) || since.isEmptyRoom();
  }

  /** Undoes a subscription that did not take effect. */
  private void drop(ClientState client, Subscription sub) {
    client.remove(sub);
    sub.leave();
    hub.leave(sub);
  }

  private void unsubscribe(Request r, String room) {
    checks.checkRoom(room);
    Subscription sub = r.client().subscription(room);
    if (sub == null) throw new RequestRejectedException(ErrorCode.NOT_SUBSCRIBED, "not subscribed to " + room);
    r.client().remove(sub);
    sub.leave();
    hub.leave(sub);
    r.reply(Frames.unsubscribed(r.id(), r.hasId(), room));
  }

  private void publish(Request r, Publish p) {
    Payload payload = payloadOf(p);
    checks.check(p.getRoom(), payload);
    String key = idempotencyKeyOf(p.getIdempotencyKey()); // before the rate: a refused publish costs no token
    if (!RoomRights.canPublish(principalOf(r), p.getRoom())) {
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "not allowed to publish in " + p.getRoom());
    }
    ClientState client = r.client();
    switch (client.publishThrottle().tryAcquire()) {
      case ALLOWED -> { }
      case REFUSED -> throw new RequestRejectedException(ErrorCode.TOO_MANY_REQUESTS,
          "more than " + security.publishRate().perSecond() + " publishes per second");
      case ABUSIVE -> {
        metrics.rejected("publish", ErrorCode.TOO_MANY_REQUESTS);
        log.debug("session {} from {} keeps publishing too fast: closed", r.session().id(), r.session().connection().remoteAddress());
        r.session().disconnect(Disconnect.TOO_MANY_REQUESTS);
        return;
      }
    }
    metrics.publishedWs.increment();
    client.publishStarted();
    metrics.timePublish(publishTo(broker, p.getRoom(), payload, key)).whenComplete((publication, failure) -> r.later(() -> {
      if (failure != null) {
        brokerFailed(r, "PUBLISH", failure);
      } else {
        r.reply(Frames.ack(r.id(), r.hasId(), publication.offset()));
      }
      Disconnect drained = client.publishEnded(); // after the answer: a draining session closes right after it
      if (drained != null) r.session().disconnect(drained);
    }));
  }

  /** The longest idempotency key, in bytes of UTF-8. */
  static final int MAX_IDEMPOTENCY_KEY_BYTES = 64;

  /**
   * An idempotency key as the client sent it, null when it sent none (empty); 400 above
   * {@link #MAX_IDEMPOTENCY_KEY_BYTES} bytes.
   */
  static String idempotencyKeyOf(String key) {
    if (key == null || key.isEmpty()) return null;
    int bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_IDEMPOTENCY_KEY_BYTES) {
      throw new RequestRejectedException(ErrorCode.BAD_REQUEST,
          "idempotency key of " + bytes + " bytes is over the limit of " + MAX_IDEMPOTENCY_KEY_BYTES);
    }
    return key;
  }

  /** {@code broker.publish}, with an exception it throws instead of returning turned into a failed stage. */
  static java.util.concurrent.CompletionStage<Publication> publishTo(Broker broker, String room, Payload payload, String key) {
    try {
      return broker.publish(room, payload, key);
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  private static Payload payloadOf(Publish p) {
    return switch (p.getPayloadCase()) {
      case TEXT -> Payload.text(p.getText());
      case DATA -> Payload.binary(p.getData().toByteArray());
      case PAYLOAD_NOT_SET -> throw new RequestRejectedException(ErrorCode.BAD_REQUEST, "publish carries neither data nor text");
    };
  }

  private void brokerFailed(Request r, String request, Throwable failure) {
    Throwable cause = Failures.cause(failure);
    if (cause instanceof BrokerUnavailableException) {
      reject(r, request, ErrorCode.UNAVAILABLE, "broker unavailable, try again later");
    } else {
      failed(r, request, cause);
    }
  }

  private void reject(Request r, String request, ErrorCode code, String message) {
    metrics.rejected(request.toLowerCase(Locale.ROOT), code);
    r.reply(Frames.error(r.id(), r.hasId(), code, message));
  }
}
