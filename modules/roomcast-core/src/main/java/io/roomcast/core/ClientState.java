package io.roomcast.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Requests} know of one client between its requests: who it is, its rooms, its publish
 * and subscribe rates and the publishes it has in flight. Plain state, touched only on the client's thread.
 */
final class ClientState {
  private final NodeSecurity security;
  private final Scheduler clock;
  /** Subscriptions by room, settled or not. */
  private final Map<String, Subscription> subscriptions = new HashMap<>(4);
  /** Who the client is; null until a token is verified on a node that requires one. Replaced by refresh. */
  private Principal principal;
  /** The pending close at the principal's token expiry; replaced on refresh, cancelled when the client goes. */
  private Scheduler.Scheduled expiry;
  /** This client's publish rate; made on its first publish. */
  private RateThrottle publishThrottle;
  /** This client's subscribe rate; made on its first subscribe. */
  private RateThrottle subscribeThrottle;
  /** Publishes sent to the broker and not yet answered; a draining session waits for them. */
  private int publishesInFlight;
  /** Set when the node drains: the session closes with it once no publish is in flight. */
  private Disconnect drainWith;

  ClientState(NodeSecurity security, Scheduler clock) {
    this.security = security;
    this.clock = clock;
  }

  Principal principal() {
    return principal;
  }

  void setPrincipal(Principal p, Scheduler.Scheduled newExpiry) {
    principal = p;
    if (expiry != null) expiry.cancel();
    expiry = newExpiry;
  }

  RateThrottle publishThrottle() {
    if (publishThrottle == null) publishThrottle = new RateThrottle(security.publishRate(), clock);
    return publishThrottle;
  }

  RateThrottle subscribeThrottle() {
    if (subscribeThrottle == null) {
      SubscribeRateLimits s = security.subscribeRate();
      PublishRateLimits p = security.publishRate();
      subscribeThrottle = new RateThrottle(s.perSecond(), s.burst(), p.maxRefused(), p.refusedWindow(), clock);
    }
    return subscribeThrottle;
  }

  Subscription subscription(String room) {
    return subscriptions.get(room);
  }

  /** The subscriptions, settled or not, that {@code p} (on session {@code session}) may not hold. */
  List<Subscription> subscriptionsNotGranted(Principal p, String session) {
    List<Subscription> revoked = new ArrayList<>();
    for (Subscription s : subscriptions.values()) {
      if (!RoomRights.canHold(p, session, s.room)) revoked.add(s);
    }
    return revoked;
  }

  int roomCount() {
    return subscriptions.size();
  }

  void add(Subscription s) {
    subscriptions.put(s.room, s);
  }

  void remove(Subscription s) {
    subscriptions.remove(s.room, s);
  }

  /** The client is gone: its expiry is cancelled, and its subscriptions are returned (and forgotten). */
  List<Subscription> release() {
    if (expiry != null) expiry.cancel();
    List<Subscription> all = new ArrayList<>(subscriptions.values());
    subscriptions.clear();
    return all;
  }

  void publishStarted() {
    publishesInFlight++;
  }

  /** @return the disconnect to close with now (the node drains and this was the last publish in flight), or null */
  Disconnect publishEnded() {
    publishesInFlight--;
    return publishesInFlight == 0 ? drainWith : null;
  }

  /** The node drains: @return true when the session may close now (no publish in flight), else it closes after the last. */
  boolean drain(Disconnect d) {
    drainWith = d;
    return publishesInFlight == 0;
  }
}
