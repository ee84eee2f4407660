package io.roomcast.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.event.Event;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerListener;
import io.roomcast.core.BrokerUnavailableException;
import io.roomcast.core.Failures;
import io.roomcast.core.History;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.RoomHistory;
import io.roomcast.core.StreamPosition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The {@link Broker} on Redis. A publish is one script call (offset, epoch, history, PUBLISH); a
 * subscription is a channel per room on one pub/sub connection (one per node on Cluster), whose
 * messages Lettuce hands over in order on one I/O thread and which are passed on from that thread.
 *
 * <p>The set of wanted rooms lives here, not in Lettuce: after every reconnect of a pub/sub
 * connection, topology change (from the client's event bus) or channel dropped by Redis, and every
 * {@code resubscribeInterval} as a backstop, all of them are sent to Redis again (one command per slot
 * on Cluster). Subscribing twice is harmless; a room that is not wanted is never delivered, whatever
 * Redis still sends. Restores that follow a break (a reconnect, a relink, a dropped channel, a topology
 * change, a probe that came back after failing) tell the listener {@link BrokerListener#onResubscribed}
 * for each room once it is subscribed again, so the node repairs what its members missed.
 *
 * <p>Liveness: a {@link LinkProbe} sends a token through Redis and back every probe interval; one that
 * does not return makes {@link #available()} false and the link reconnect.
 */
final class RedisBroker implements Broker, RedisLink.Sink {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
  /** How many channels one SUBSCRIBE carries when restoring (standalone has no slot limit). */
  private static final int RESTORE_CHUNK = 500;
  /** Lets a burst of reconnect events (one per Cluster node) settle into one restore. */
  private static final Duration RESTORE_DEBOUNCE = Duration.ofMillis(100);
  /**
   * After Redis dropped channels (one SUNSUBSCRIBE per channel of a moved slot): short, since every
   * message published before the restore lands is lost to this node (clients recover it from history).
   */
  private static final Duration DROP_DEBOUNCE = Duration.ofMillis(10);
  private static final Duration RESTORE_RETRY = Duration.ofSeconds(1);
  /** Between attempts at the first connection, when Redis was unreachable at start. */
  private static final Duration CONNECT_RETRY = Duration.ofSeconds(1);

  private final RedisBrokerConfig config;
  private final RoomKeys keys;
  private final Guard guard;
  private final ClientResources resources;
  /** One thread: time limits, retry waits, restores. Never runs listener code. */
  private final ScheduledExecutorService scheduler;
  private final Function<RedisLink.Sink, RedisLink> connect;
  /** Null until the first connection succeeded (Redis may be down when the node starts); then set once. */
  private volatile RedisLink link;
  private final Disposable events;
  private final Counter receivedEnvelopes;
  private final Counter receivedRaw;
  private final Counter restoresOk;
  private final Counter restoresFailed;
  /**
   * The rooms this node wants to hear, each with the generation of its latest subscribe; what every
   * restore sends to Redis. A failed subscribe removes its room only if no newer one came since.
   */
  private final Map<String, Long> wanted = new ConcurrentHashMap<>();
  /** Numbers the subscribes, for {@link #wanted}. */
  private final AtomicLong subscribes = new AtomicLong();
  /** Whether the next restore follows a break, so that its rooms get {@link BrokerListener#onResubscribed}. */
  private final AtomicBoolean repairAfterRestore = new AtomicBoolean();
  /** This node's probe channel (not a room's). */
  private final byte[] probeChannel;
  private final LinkProbe probe;
  /** Whether a restore is scheduled and has not started yet; coalesces bursts of triggers. */
  private final AtomicBoolean restorePending = new AtomicBoolean();
  /**
   * Whether the next restore asks the Cluster for its slot map first. Not after a dropped channel:
   * there every millisecond loses messages, and Lettuce follows the MOVED reply to the new owner.
   */
  private final AtomicBoolean refreshBeforeRestore = new AtomicBoolean();
  /** Set once by {@link #start}. */
  private volatile BrokerListener listener;
  /** Set once by {@link #close}. */
  private volatile boolean closed;

  RedisBroker(RedisBrokerConfig config, ClientResources resources, ScheduledExecutorService scheduler, Guard guard,
      MeterRegistry registry, byte[] probeChannel, Function<RedisLink.Sink, RedisLink> connect) {
    this.config = config;
    this.keys = new RoomKeys(config.keyPrefix());
    this.resources = resources;
    this.scheduler = scheduler;
    this.guard = guard;
    this.receivedEnvelopes = Counter.builder(RedisMetrics.RECEIVED).tag("kind", "envelope").register(registry);
    this.receivedRaw = Counter.builder(RedisMetrics.RECEIVED).tag("kind", "raw").register(registry);
    this.restoresOk = Counter.builder(RedisMetrics.RESTORES).tag("outcome", "ok").register(registry);
    this.restoresFailed = Counter.builder(RedisMetrics.RESTORES).tag("outcome", "failed").register(registry);
    this.connect = connect;
    this.probeChannel = probeChannel;
    this.probe = new LinkProbe(() -> link, scheduler, config.probeInterval(), config.probeTimeout(), registry,
        () -> scheduleRestore(Duration.ZERO, true, true));
    this.events = resources.eventBus().get().subscribe(this::onEvent);
    connectOrRetry();
    long every = config.resubscribeInterval().toMillis();
    // the backstop: no repair, as nothing says there was a break (the probe finds dead links)
    scheduler.scheduleWithFixedDelay(() -> scheduleRestore(Duration.ZERO, true, false), every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public void start(BrokerListener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (this.listener != null) throw new IllegalStateException("already started");
      this.listener = listener;
    }
  }

  @Override
  public CompletionStage<Void> subscribe(String room) {
    byte[] channel = keys.channel(room);
    if (closed) return closedStage();
    long generation = subscribes.incrementAndGet();
    wanted.put(room, generation);
    CompletionStage<Void> done = guard.retried("subscribe to " + room, () -> link().subscribe(List.of(channel)));
    // A room whose subscribe failed is not wanted: the caller was told, and may try again. Unless a
    // newer subscribe came meanwhile (it may have succeeded): a stale failure must not undo it.
    return done.whenComplete((ok, failure) -> {
      if (failure != null) wanted.remove(room, generation);
    });
  }

  @Override
  public CompletionStage<Void> unsubscribe(String room) {
    byte[] channel = keys.channel(room);
    if (closed) return closedStage();
    wanted.remove(room); // from now on nothing of the room is delivered, whatever Redis still sends
    return guard.retried("unsubscribe from " + room, () -> link().unsubscribe(channel));
  }

  @Override
  public CompletionStage<Publication> publish(String room, Payload payload, String idempotencyKey) {
    Objects.requireNonNull(payload, "payload");
    String key = idempotencyKey == null || idempotencyKey.isEmpty() ? null : idempotencyKey;
    if (key != null && key.getBytes(StandardCharsets.UTF_8).length > RedisBrokerConfig.MAX_IDEMPOTENCY_KEY_BYTES) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "idempotency key longer than " + RedisBrokerConfig.MAX_IDEMPOTENCY_KEY_BYTES + " bytes"));
    }
    byte[][] roomKeys = keys.keys(room, key);
    if (closed) return closedStage();
    RoomHistory.Policy h = config.history().forRoom(room);
    byte[][] args = {
      keys.channel(room),
      payload.bytes(),
      ascii(payload.text() ? "t" : "b"),
      ascii(Integer.toString(h.size())),
      ascii(Long.toString(h.ttl().toSeconds())),
      ascii(Long.toString(RedisBrokerConfig.metaTtl(h).toSeconds())),
      ascii(config.topology() == RedisBrokerConfig.Topology.CLUSTER ? "1" : "0"),
      ascii(Long.toString(config.idempotencyWindow().toMillis())),
    };
    int replicas = config.publishReplicas();
    Supplier<CompletionStage<List<Object>>> call = replicas == 0
        ? () -> Script.PUBLISH.run(link().scripting(), roomKeys, args)
        // WAIT gets half the command timeout: it then answers with a count before the client gives up on it
        : () -> ReplicatedPublish.run(link(), args[0], roomKeys, args, replicas, config.commandTimeout().toMillis() / 2);
    // Without a key never retried: a publish that timed out may have happened, and a retry would send
    // it twice. With one, the script itself makes a repeat harmless.
    CompletionStage<List<Object>> done = key == null ? guard.once("publish to " + room, call) : guard.retried("publish to " + room, call);
    return done.thenApply(reply -> new Publication(room, payload, (Long) reply.get(0), string(reply.get(1)), (Long) reply.get(2)));
  }

  @Override
  public CompletionStage<StreamPosition> position(String room) {
    byte[][] roomKeys = keys.keys(room);
    if (closed) return closedStage();
    // The history script with a limit of 0: the position alone; StreamPosition.EMPTY (written by nothing) if the room has no stream.
    byte[][] args = {ascii("0"), ascii("0")};
    return guard.retried("position of " + room, () -> Script.HISTORY.run(link().scripting(), roomKeys, args))
        .thenApply(reply -> new StreamPosition((Long) reply.get(0), string(reply.get(1))));
  }

  /** One script: the latest position and the XRANGE after {@code since}, atomically (entry ids are {@code <offset>-0}). */
  @Override
  public CompletionStage<History> history(String room, StreamPosition since, int limit) {
    if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
    byte[][] roomKeys = keys.keys(room);
    if (closed) return closedStage();
    byte[][] args = {ascii(Long.toString(since.offset())), ascii(Integer.toString(limit))};
    return guard.retried("history of " + room, () -> Script.HISTORY.run(link().scripting(), roomKeys, args))
        .thenApply(reply -> {
          StreamPosition latest = new StreamPosition((Long) reply.get(0), string(reply.get(1)));
          List<Publication> after = new ArrayList<>(reply.size() - 2);
          long now = System.currentTimeMillis();
          for (int i = 2; i < reply.size(); i++) after.add(Envelopes.decode(room, (byte[]) reply.get(i), now));
          return History.of(since, after, latest);
        });
  }

  @Override
  public boolean available() {
    RedisLink l = link;
    return !closed && l != null && l.connected() && guard.permitsCalls() && probe.healthy();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    wanted.clear();
    events.dispose();
    scheduler.shutdownNow();
    try {
      RedisLink l = link;
      if (l != null) l.close();
    } finally {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  // ---- channel traffic, on Lettuce I/O threads -------------------------------------------------

  @Override
  public void onMessage(byte[] channel, byte[] message) {
    probe.traffic();
    if (Arrays.equals(channel, probeChannel)) {
      probe.heard(message);
      return;
    }
    BrokerListener l = listener;
    String room = keys.roomOf(channel);
    if (l == null || room == null || !wanted.containsKey(room)) return;
    Publication p = Envelopes.decode(room, message, System.currentTimeMillis());
    (p.hasOffset() ? receivedEnvelopes : receivedRaw).increment();
    try {
      l.onPublication(p);
    } catch (RuntimeException e) {
      log.error("broker listener failed on a publication of room {}", room, e);
    }
  }

  @Override
  public void onDropped(byte[] channel) {
    String room = keys.roomOf(channel);
    if (room != null && wanted.containsKey(room)) {
      log.info("redis dropped the subscription of room {} (slot moved?); restoring", room);
      scheduleRestore(DROP_DEBOUNCE, false, true);
    }
  }

  // ---- restoring subscriptions -----------------------------------------------------------------

  @Override
  public void onPubSubConnected() {
    scheduleRestore(RESTORE_DEBOUNCE, true, true);
  }

  /**
   * Events of the client's event bus. Not ConnectionActivatedEvent: every topology probe opens and
   * activates connections too, and a restore that refreshes the topology would trigger itself forever.
   */
  private void onEvent(Event event) {
    if (event instanceof ClusterTopologyChangedEvent) scheduleRestore(RESTORE_DEBOUNCE, false, true); // the map is fresh
  }

  /** @param repair whether a break came before: the restored rooms then get {@link BrokerListener#onResubscribed} */
  private void scheduleRestore(Duration delay, boolean refreshTopology, boolean repair) {
    if (refreshTopology) refreshBeforeRestore.set(true);
    if (repair) repairAfterRestore.set(true);
    if (closed || wanted.isEmpty() || !restorePending.compareAndSet(false, true)) return;
    try {
      scheduler.schedule(this::restore, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      restorePending.set(false);
    }
  }

  /** Sends every wanted room to Redis again. */
  private void restore() {
    restorePending.set(false);
    RedisLink link = this.link;
    if (closed || wanted.isEmpty() || link == null) return;
    boolean refresh = refreshBeforeRestore.getAndSet(false);
    boolean repair = repairAfterRestore.getAndSet(false);
    CompletionStage<Void> topology = refresh && link instanceof ClusterLink cluster
        ? cluster.refreshTopology() // subscribe where the slots are now, not where they were
        : CompletableFuture.completedFuture(null);
    topology.whenComplete((ok, refreshFailed) -> {
      if (closed) return;
      List<CompletableFuture<Void>> sent = new ArrayList<>();
      for (List<String> group : groups()) {
        CompletableFuture<Void> subscribed;
        try {
          subscribed = link.subscribe(group.stream().map(keys::channel).toList()).toCompletableFuture();
        } catch (RuntimeException rejected) {
          subscribed = CompletableFuture.failedFuture(rejected);
        }
        if (repair) subscribed = subscribed.thenRun(() -> resubscribed(group));
        sent.add(subscribed);
      }
      CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0])).whenComplete((done, failure) -> {
        if (closed) return;
        if (failure == null && refreshFailed == null) {
          restoresOk.increment();
          log.debug("restored {} room subscriptions in {} commands", wanted.size(), sent.size());
          return;
        }
        restoresFailed.increment();
        if (repair) repairAfterRestore.set(true); // the rooms of the failed groups still need it
        Throwable why = failure != null ? failure : refreshFailed;
        log.warn("restoring room subscriptions failed, trying again: {}", Failures.cause(why).toString());
        // while disconnected, the next ConnectionActivatedEvent triggers the restore
        if (link.connected()) scheduleRestore(RESTORE_RETRY, true, repair);
      });
    });
  }

  @Override
  public List<List<byte[]>> wantedChannels() {
    List<List<byte[]>> channels = new ArrayList<>();
    for (List<String> group : groups()) channels.add(group.stream().map(keys::channel).toList());
    return channels;
  }

  /** Tells the listener that these rooms, still wanted, are subscribed again after a break. */
  private void resubscribed(List<String> rooms) {
    BrokerListener l = listener;
    if (l == null || closed) return;
    for (String room : rooms) {
      if (!wanted.containsKey(room)) continue;
      try {
        l.onResubscribed(room);
      } catch (RuntimeException e) {
        log.error("broker listener failed on the resubscription of room {}", room, e);
      }
    }
  }

  /** The wanted rooms, one group per SSUBSCRIBE on Cluster (one slot each), in chunks otherwise. */
  private List<List<String>> groups() {
    List<List<String>> groups = new ArrayList<>();
    if (config.topology() == RedisBrokerConfig.Topology.CLUSTER) {
      Map<Integer, List<String>> bySlot = new TreeMap<>();
      for (String room : wanted.keySet()) {
        bySlot.computeIfAbsent(SlotHash.getSlot(keys.channel(room)), s -> new ArrayList<>()).add(room);
      }
      groups.addAll(bySlot.values());
    } else {
      List<String> chunk = new ArrayList<>();
      for (String room : wanted.keySet()) {
        chunk.add(room);
        if (chunk.size() == RESTORE_CHUNK) {
          groups.add(chunk);
          chunk = new ArrayList<>();
        }
      }
      if (!chunk.isEmpty()) groups.add(chunk);
    }
    return groups;
  }

  // ---- the first connection ---------------------------------------------------------------------

  /**
   * Connects, or if Redis cannot be reached, tries again every second on the timer thread (nothing
   * else needs that thread then: every call fails at once without a link). The node can thus start
   * while Redis is down, not ready until it is up.
   */
  private void connectOrRetry() {
    if (closed) return;
    try {
      RedisLink connected = connect.apply(this);
      synchronized (this) {
        if (!closed) {
          link = connected;
          return;
        }
      }
      connected.close(); // closed while connecting
    } catch (RedisException e) {
      log.warn("cannot connect to redis at {}, trying again in {}: {}", config.safeUri(), CONNECT_RETRY, e.toString());
      try {
        scheduler.schedule(this::connectOrRetry, CONNECT_RETRY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        // closed meanwhile
      }
    }
  }

  private RedisLink link() {
    RedisLink l = link;
    if (l == null) throw new BrokerUnavailableException("not connected to redis at " + config.safeUri() + " yet");
    return l;
  }

  private static <T> CompletionStage<T> closedStage() {
    return CompletableFuture.failedFuture(new BrokerUnavailableException("redis broker is closed"));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String string(Object bulk) {
    return new String((byte[]) bulk, StandardCharsets.UTF_8);
  }
}
