package io.roomcast.core;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A roomcast node's engine: accepts connections from a transport, keeps their rooms in a hub, and
 * publishes through a broker. Transport-neutral: it sees only {@link Connection}s.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final NodeConfig config;
  private final NodeSecurity security;
  private final Broker broker;
  private final NodeMetrics metrics;
  /** The clock and timer of every delay in the node (auth timeout, token expiry, linger, write delay, drain). */
  private final Scheduler scheduler;
  /** The scheduler the node made itself and stops with itself; null when it was given one. */
  private final SystemScheduler ownScheduler;
  private final Hub hub;
  private final Requests requests;
  /** The room and payload checks of every publish, the HTTP API's included. */
  private final PublishChecks checks;
  private final AtomicLong sessionSeq = new AtomicLong();
  /** This node's members and the presence store; presence off unless the node was started with one. */
  private final PresenceTracker presence;
  private final PresenceRequests presenceRequests;
  /** The node's own subscriptions of each session ($session, @user); null when started without presence. */
  private final PersonalRooms personal;
  /** {@link #gone}, made once rather than per session. */
  private final java.util.function.Consumer<Session> onGone = this::gone;
  /** Open sessions, for draining. */
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  /** Set once, by {@link #drain}: no new clients, and the open ones are being sent away. */
  private volatile boolean draining;
  /** Completes when the node drains and its last session is gone. */
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  /** Set once, by {@link #close()}. */
  private volatile boolean closed;

  private Node(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Scheduler scheduler,
      SystemScheduler ownScheduler, Presence presenceStore, PresenceConfig presenceConfig) {
    this.config = config;
    this.security = security;
    this.broker = broker;
    this.scheduler = scheduler;
    this.ownScheduler = ownScheduler;
    this.metrics = new NodeMetrics(registry, scheduler::nowMillis);
    boolean withPresence = presenceStore != null;
    SessionRooms sessionRooms = withPresence ? new SessionRooms(broker, metrics) : null;
    this.hub = new Hub(broker, scheduler, config.roomLinger(), config.outbound().writeDelay(), metrics, sessionRooms);
    this.checks = new PublishChecks(config.limits());
    this.requests = new Requests(hub, broker, checks, config.limits(), config.maxRecovered(), security, scheduler, metrics);
    if (!withPresence) {
      presenceConfig = PresenceConfig.off();
      presenceStore = new MemoryPresence(new MemoryPresence.Store(presenceConfig, scheduler::nowMillis), config.nodeId());
    }
    this.presence = new PresenceTracker(presenceStore, presenceConfig, scheduler, registry);
    this.presenceRequests = new PresenceRequests(presence, checks, metrics);
    PersonalRooms rooms = new PersonalRooms(hub, requests.recovery(), presence, sessionRooms);
    this.personal = withPresence ? rooms : null;
    requests.presence(presence, presenceRequests, rooms);
  }

  /** Starts an open node (no tokens, every room allowed) on {@code broker}, which it owns and closes with itself. */
  public static Node start(NodeConfig config, Broker broker, MeterRegistry registry) {
    return start(config, broker, registry, NodeSecurity.open());
  }

  /** Starts a node on {@code broker}, which it owns from now on and closes with itself; time is the system's. */
  public static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security) {
    SystemScheduler own = Scheduler.system();
    return start(config, broker, registry, security, own, own);
  }

  /**
   * Starts a node on {@code broker}, which it owns from now on and closes with itself, reading the
   * time from {@code scheduler} and scheduling every delay on it (the caller owns the scheduler).
   */
  public static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Scheduler scheduler) {
    return start(config, broker, registry, security, scheduler, null);
  }

  private static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Scheduler scheduler,
      SystemScheduler own) {
    return start(config, broker, registry, security, scheduler, own, null, null);
  }

  /**
   * Starts a node with presence and personal rooms: its members are kept in {@code presence} (which it
   * owns and closes), and every session gets its own room {@code $<session>} and, when signed in, its
   * user's personal room {@code @<user>} at connect. Time is {@code scheduler}'s (the caller owns it).
   */
  public static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Scheduler scheduler,
      Presence presence, PresenceConfig presenceConfig) {
    return start(config, broker, registry, security, scheduler, null, Objects.requireNonNull(presence, "presence"),
        Objects.requireNonNull(presenceConfig, "presenceConfig"));
  }

  /** As {@link #start(NodeConfig, Broker, MeterRegistry, NodeSecurity, Scheduler, Presence, PresenceConfig)}, on the system's time. */
  public static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Presence presence,
      PresenceConfig presenceConfig) {
    SystemScheduler own = Scheduler.system();
    return start(config, broker, registry, security, own, own, Objects.requireNonNull(presence, "presence"),
        Objects.requireNonNull(presenceConfig, "presenceConfig"));
  }

  private static Node start(NodeConfig config, Broker broker, MeterRegistry registry, NodeSecurity security, Scheduler scheduler,
      SystemScheduler own, Presence presence, PresenceConfig presenceConfig) {
    Node node = new Node(Objects.requireNonNull(config, "config"), Objects.requireNonNull(broker, "broker"),
        Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(security, "security"),
        Objects.requireNonNull(scheduler, "scheduler"), own, presence, presenceConfig);
    broker.start(node.hub);
    log.info("node {} started", config.nodeId());
    return node;
  }

  public NodeConfig config() {
    return config;
  }

  /** Checks tokens for the transport's handshake. */
  public Authenticator authenticator() {
    return security.authenticator();
  }

  /** A new client connection that presented no token: it gets the anonymous principal, if there is one. */
  public Session accept(Connection connection) {
    return accept(connection, security.authenticator().anonymous().orElse(null));
  }

  /**
   * A new client connection; called on the connection's executor, which owns the session from now
   * on. Sends the {@code connected} frame.
   *
   * @param principal who the handshake's token said the client is; null when it is nobody yet, and
   *     every subscribe and publish gets 401 until a {@code connect} frame brings a valid token
   */
  public Session accept(Connection connection, Principal principal) {
    String id = config.nodeId() + "-" + Long.toString(sessionSeq.incrementAndGet(), 36);
    Session session = new Session(id, connection, hub.shardFor(connection.executor()), requests,
        new ClientState(security, scheduler), config, metrics, onGone);
    sessions.add(session);
    if (principal != null) {
      requests.authenticated(session, principal);
    } else {
      requests.awaitToken(session);
    }
    metrics.opened.increment();
    metrics.open.incrementAndGet();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
        .addKeyValue("subprotocol", connection.format().subprotocol()).log("session opened");
    session.start(config.nodeId(), config);
    if (personal != null) personal.connected(session);
    return session;
  }

  /**
   * Publishes on behalf of a backend (the HTTP API) with every right.
   *
   * @throws RequestRejectedException at once when the room name or the payload size is not allowed
   */
  public CompletionStage<Publication> publish(String room, Payload payload) {
    return publish(Principal.anonymous(RoomPermissions.ALL), room, payload, null);
  }

  /**
   * Publishes on behalf of {@code principal} (the HTTP API with a token).
   *
   * @throws RequestRejectedException at once (403) when the principal may not publish in the room,
   *     or when the room name or the payload size is not allowed
   */
  public CompletionStage<Publication> publish(Principal principal, String room, Payload payload) {
    return publish(principal, room, payload, null);
  }

  /**
   * Publishes on behalf of {@code principal}, safe to retry: a publish with the same
   * {@code idempotencyKey} in the same room within the broker's idempotency window is stored once, and
   * every retry completes with the first one's offset (see {@link Broker#publish(String, Payload, String)}).
   *
   * @param idempotencyKey at most 64 bytes of UTF-8; null or empty for none
   * @throws RequestRejectedException at once (400) for a longer key, (403) when the principal may not
   *     publish in the room, or when the room name or the payload size is not allowed
   */
  public CompletionStage<Publication> publish(Principal principal, String room, Payload payload, String idempotencyKey) {
    String key = Requests.idempotencyKeyOf(idempotencyKey);
    checks.check(room, payload);
    if (!RoomRights.canPublish(principal, room)) {
      metrics.rejected("http_publish", ErrorCode.FORBIDDEN);
      throw new RequestRejectedException(ErrorCode.FORBIDDEN, "not allowed to publish in " + room);
    }
    metrics.publishedHttp.increment();
    return metrics.timePublish(Requests.publishTo(broker, room, payload, key));
  }

  /**
   * A room's history after {@code sinceOffset} (in {@code epoch}, or the room's current epoch when
   * null), for backends (the HTTP API). At most {@code limit} messages, and never more than the
   * node's {@code maxRecovered}.
   *
   * @throws RequestRejectedException at once when the room name is not allowed
   */
  public CompletionStage<History> history(String room, long sinceOffset, String epoch, int limit) {
    checks.checkRoom(room);
    int max = Math.max(0, Math.min(limit, config.maxRecovered()));
    if (epoch != null) return broker.history(room, new StreamPosition(sinceOffset, epoch), max);
    return broker.position(room).thenCompose(p -> broker.history(room, new StreamPosition(sinceOffset, p.epoch()), max));
  }

  /**
   * The members of {@code room}, for {@code principal} (the HTTP API). Fails with
   * {@link TooManyMembersException} above {@code presence.max-members}; see {@link #presenceRejection}.
   *
   * @throws RequestRejectedException at once (400, 403) for a bad room name or a principal that may not read its presence
   */
  public CompletionStage<io.roomcast.protocol.v1.Presence> presence(Principal principal, String room) {
    return presenceRequests.members(principal, room);
  }

  /** The counts of {@code room}, for {@code principal} (the HTTP API); refused as {@link #presence}. */
  public CompletionStage<io.roomcast.protocol.v1.PresenceStats> presenceStats(Principal principal, String room) {
    return presenceRequests.stats(principal, room);
  }

  /** What a failed presence read answers: its code (413, 503, 500) and message. */
  public RequestRejectedException presenceRejection(String room, Throwable failure) {
    return presenceRequests.rejection(room, failure);
  }

  /** Presence members (sessions in rooms) on this node now. */
  public int presenceMembers() {
    return presence.memberCount();
  }

  /** Whether the node accepts clients: not draining or closed, and the broker reachable. */
  public boolean ready() {
    return !draining && !closed && broker.available();
  }

  /** Whether new connections are welcome (false once draining). */
  public boolean accepting() {
    return !draining && !closed;
  }

  /** Sessions open now. */
  public int sessionCount() {
    return sessions.size();
  }

  /**
   * Sends every client away to reconnect elsewhere, spread evenly over {@code window} in random
   * order so the rest of the cluster is not hit by a reconnect storm. From now on {@link #ready()}
   * and {@link #accepting()} are false. A client's publishes in flight are answered before it is
   * closed (1001, reconnect advised). Completes when every session is gone.
   */
  public CompletableFuture<Void> drain(Duration window) {
    draining = true;
    List<Session> open = new ArrayList<>(sessions);
    Collections.shuffle(open);
    log.info("node {} draining {} sessions over {}", config.nodeId(), open.size(), window);
    long step = open.isEmpty() ? 0 : window.toNanos() / open.size();
    for (int i = 0; i < open.size(); i++) {
      Session s = open.get(i);
      scheduler.schedule(() -> s.later(() -> s.drain(Disconnect.GOING_AWAY)), step * i, TimeUnit.NANOSECONDS);
    }
    if (sessions.isEmpty()) drained.complete(null); // else the last session to go completes it
    return drained;
  }

  /** A session is gone: forget it, and if the node drains and it was the last, the drain is done. */
  private void gone(Session s) {
    requests.released(s);
    if (personal != null) personal.gone(s);
    sessions.remove(s);
    if (draining && sessions.isEmpty()) drained.complete(null);
  }

  /** Rooms the node holds a broker subscription for (or is about to drop one). */
  public int roomCount() {
    return hub.roomCount();
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    presence.close();
    if (ownScheduler != null) ownScheduler.close();
    broker.close();
    log.info("node {} stopped", config.nodeId());
  }
}
