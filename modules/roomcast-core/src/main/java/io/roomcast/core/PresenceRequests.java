package io.roomcast.core;

import io.roomcast.protocol.v1.ClientFrame;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code presence} and {@code presenceStats} requests, from clients and from the HTTP API: the
 * room's access rule and the principal's rights first (checked like subscribe), then the store.
 */
final class PresenceRequests {
  private static final Logger log = LoggerFactory.getLogger(PresenceRequests.class);

  private final PresenceTracker tracker;
  private final PublishChecks checks;
  private final NodeMetrics metrics;

  PresenceRequests(PresenceTracker tracker, PublishChecks checks, NodeMetrics metrics) {
    this.tracker = tracker;
    this.checks = checks;
    this.metrics = metrics;
  }

  /** A client's {@code presence} or {@code presenceStats}. */
  void handle(Request r, ClientFrame f) {
    boolean list = f.getKindCase() == ClientFrame.KindCase.PRESENCE;
    String name = list ? "presence" : "presence_stats";
    String room = list ? f.getPresence().getRoom() : f.getPresenceStats().getRoom();
    try {
      Principal p = r.client().principal();
      if (p == null) throw new RequestRejectedException(ErrorCode.UNAUTHORIZED, "a token is required: send connect {token} first");
      if (list) {
        members(p, room).whenComplete((members, failure) -> r.later(() -> {
          if (failure == null) {
            r.reply(PresenceFrames.reply(r.id(), r.hasId(), members));
          } else {
            failed(r, name, room, failure);
          }
        }));
      } else {
        stats(p, room).whenComplete((stats, failure) -> r.later(() -> {
          if (failure == null) {
            r.reply(PresenceFrames.reply(r.id(), r.hasId(), stats));
          } else {
            failed(r, name, room, failure);
          }
        }));
      }
    } catch (RequestRejectedException e) {
      reject(r, name, e.code(), e.getMessage());
    }
  }

  /**
   * The members of {@code room}, for {@code p}.
   *
   * @throws RequestRejectedException at once: 400 for a bad room name, 403 when {@code p} may not read its presence
   */
  CompletionStage<io.roomcast.protocol.v1.Presence> members(Principal p, String room) {
    check(p, room);
    int max = tracker.config().maxMembers();
    return tracker.presence().members(room, max).thenApply(list -> PresenceFrames.members(room, list));
  }

  /** The counts of {@code room}, for {@code p}; refused as {@link #members}. */
  CompletionStage<io.roomcast.protocol.v1.PresenceStats> stats(Principal p, String room) {
    check(p, room);
    return tracker.presence().counts(room).thenApply(c -> PresenceFrames.stats(room, c));
  }

  private void check(Principal p, String room) {
    checks.checkRoom(room);
    PresenceAccess access = tracker.config().access(room);
    if (!RoomRights.canReadPresence(p, room, access)) {
      String why = switch (access) {
        case OFF -> "presence is off for " + room;
        case API -> "presence of " + room + " is for the API only";
        case SUBSCRIBERS -> "not allowed to read the presence of " + room;
      };
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, why);
    }
  }

  /** The error code and message a failed presence read answers with, for the HTTP API too. */
  RequestRejectedException rejection(String room, Throwable failure) {
    Throwable cause = Failures.cause(failure);
    if (cause instanceof TooManyMembersException many) {
      return new RequestRejectedException(ErrorCode.PAYLOAD_TOO_LARGE, room + " has " + many.members()
          + " members, more than the " + tracker.config().maxMembers() + " a presence lists: ask presenceStats");
    }
    if (cause instanceof BrokerUnavailableException) return new RequestRejectedException(ErrorCode.UNAVAILABLE, "presence unavailable, try again later");
    if (cause instanceof RequestRejectedException rejected) return rejected;
    log.warn("presence of {} failed", room, cause);
    return new RequestRejectedException(ErrorCode.INTERNAL, "internal error");
  }

  private void failed(Request r, String name, String room, Throwable failure) {
    RequestRejectedException e = rejection(room, failure);
    reject(r, name, e.code(), e.getMessage());
  }

  private void reject(Request r, String request, ErrorCode code, String message) {
    metrics.rejected(request.toLowerCase(Locale.ROOT), code);
    r.reply(Frames.error(r.id(), r.hasId(), code, message));
  }
}
