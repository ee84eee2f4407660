package io.roomcast.client;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Pong;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Presence;
import io.roomcast.protocol.v1.PresenceRequest;
import io.roomcast.protocol.v1.PresenceStats;
import io.roomcast.protocol.v1.PresenceStatsRequest;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.protocol.v1.Subscribed;
import io.roomcast.protocol.v1.Unsubscribe;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A roomcast client over the binary subprotocol: subscribe with a listener per room, publish with an
 * ack, and, when the connection drops, reconnect with backoff and jitter and resume every room from
 * the last message it delivered, so a listener sees each message of a room once, in offset order.
 * Every publish carries an idempotency key and is sent again with it when it failed for a passing
 * reason ({@link ClientOptions#publishAttempts()}). A room the node dropped messages of ({@code lagged})
 * is resumed from history, and the resume is retried until the node serves it. Rooms the node
 * subscribes the client to on its own (personal rooms {@code @user}) are kept like the others
 * ({@link ClientEvents#onServerSubscription}). Thread-safe; listeners run on the client's receive
 * thread and must not block.
 */
public final class RoomcastClient implements AutoCloseable {
  private final URI uri;
  private final ClientOptions options;
  private final ClientEvents events;
  /** Shared by this client's connections; may be shared with other clients (one selector thread for all). */
  private final HttpClient http;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "roomcast-client-reconnect");
    t.setDaemon(true);
    return t;
  });
  private final AtomicInteger ids = new AtomicInteger();
  /** Requests waiting for their reply, by id; failed when their connection goes. */
  private final Map<Integer, CompletableFuture<ServerFrame>> pending = new ConcurrentHashMap<>();
  /** The rooms this client is in, with where each stands; resumed on every reconnect. */
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  /** Listeners of the rooms of single connections ({@code $<session>}), which have no subscription to resume. */
  private final Map<String, RoomListener> sessionRooms = new ConcurrentHashMap<>();
  private final CompletableFuture<ClosedBy> closed = new CompletableFuture<>();
  /** The connection in use; replaced on reconnect (under {@link #upLock}). */
  private volatile Link link;
  private final Object upLock = new Object();
  /** Completes with the next connection in use; replaced by {@link #use}. Guarded by upLock. */
  private CompletableFuture<Link> nextLink = new CompletableFuture<>();
  /** Set by {@link #close()}: no more reconnects. */
  private volatile boolean closing;
  /** Failed attempts since the last connection was up, for the backoff. */
  private int attempts;

  /** A room's listener and the last position delivered to it. Guarded by its monitor. */
  private static final class Room {
    final RoomListener listener;
    /** Whether the subscribe asks for the room's join and leave events. */
    final boolean joinLeave;
    /** Whether the node subscribed the client on its own: it does so again at connect, the client only resumes it. */
    final boolean serverSide;
    long offset;
    String epoch;
    /**
     * Set while the room is resubscribed after a gap or lagged, and while a server-side room waits to
     * be resumed on a new connection: live messages are dropped, the node replays them.
     */
    boolean resyncing;
    /** The position of the node's {@code subscribed} push that came while a server-side room was being resumed. */
    Position pushed;

    Room(RoomListener listener, boolean joinLeave, boolean serverSide) {
      this.listener = listener;
      this.joinLeave = joinLeave;
      this.serverSide = serverSide;
    }
  }

  private static final SecureRandom KEYS = new SecureRandom();

  /** Skipped offsets seen on live rooms (each repaired by resubscribing): a server bug if ever nonzero. */
  private final java.util.concurrent.atomic.AtomicLong gaps = new java.util.concurrent.atomic.AtomicLong();
  /** Lagged frames acted on: the node dropped messages this client read too slowly, and the room was resumed. */
  private final java.util.concurrent.atomic.AtomicLong lags = new java.util.concurrent.atomic.AtomicLong();
  /** Messages of rooms this client is not in: a server bug if ever nonzero. */
  private final java.util.concurrent.atomic.AtomicLong strays = new java.util.concurrent.atomic.AtomicLong();

  private RoomcastClient(URI uri, ClientOptions options, ClientEvents events, HttpClient http) {
    this.uri = uri;
    this.options = options;
    this.events = events;
    this.http = http;
  }

  /** Connects once, without reconnecting: e.g. {@code ws://localhost:8080/ws}. */
  public static RoomcastClient connect(URI uri) {
    return connect(uri, ClientOptions.once(), new ClientEvents() {});
  }

  /** Connects, then keeps connected as {@code options} say. Fails if the first attempt fails. */
  public static RoomcastClient connect(URI uri, ClientOptions options, ClientEvents events) {
    return connect(uri, options, events, HttpClient.newHttpClient());
  }

  /** As {@link #connect(URI, ClientOptions, ClientEvents)}, on a given HttpClient (many clients can share one). */
  public static RoomcastClient connect(URI uri, ClientOptions options, ClientEvents events, HttpClient http) {
    RoomcastClient client = new RoomcastClient(uri, options, events, http);
    client.use(Link.open(client, client.http, uri, options.connectTimeout()).join());
    events.onConnected(false);
    return client;
  }

  /** Subscribes to {@code room}; completes with the room's position when the node confirms. */
  public CompletableFuture<Position> subscribe(String room, Consumer<ReceivedMessage> listener) {
    return subscribe(room, RoomListener.of(listener), false);
  }

  /**
   * Subscribes to {@code room}; with {@code joinLeave}, the listener also hears the sessions that join
   * and leave the room ({@link RoomListener#onJoin}, {@link RoomListener#onLeave}).
   */
  public CompletableFuture<Position> subscribe(String room, RoomListener listener, boolean joinLeave) {
    Room r = new Room(listener, joinLeave, false);
    if (rooms.putIfAbsent(room, r) != null) {
      return CompletableFuture.failedFuture(new IllegalStateException("already subscribed to " + room));
    }
    return sendSubscribe(link, room, r).whenComplete((p, e) -> {
      if (e != null) rooms.remove(room, r);
    });
  }

  public CompletableFuture<Void> unsubscribe(String room) {
    rooms.remove(room);
    return request(link, ClientFrame.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setRoom(room))).thenRun(() -> { });
  }

  /** Publishes text; completes with the message's offset in the room. */
  public CompletableFuture<Long> publish(String room, String text) {
    return publish(Publish.newBuilder().setRoom(room).setText(text));
  }

  /** Publishes bytes; completes with the message's offset in the room. */
  public CompletableFuture<Long> publish(String room, byte[] data) {
    return publish(Publish.newBuilder().setRoom(room).setData(ByteString.copyFrom(data)));
  }

  /**
   * Publishes text with the caller's idempotency key (at most 64 bytes): the node stores a publish
   * with the same key in the same room once within its idempotency window, and answers every retry
   * with the same offset.
   */
  public CompletableFuture<Long> publish(String room, String text, String idempotencyKey) {
    return publish(Publish.newBuilder().setRoom(room).setText(text).setIdempotencyKey(idempotencyKey));
  }

  /**
   * Sends the publish, and again with the same idempotency key while it fails for a passing reason
   * (503, no reply in time, the connection lost before the ack), up to {@link ClientOptions#publishAttempts()}
   * times, after a backoff each; after a lost connection it waits for the next one. A refusal (400,
   * 403, 413, 429: the node limits this client's rate, and retrying at once makes it worse) fails at once.
   */
  private CompletableFuture<Long> publish(Publish.Builder publish) {
    if (publish.getIdempotencyKey().isEmpty()) publish.setIdempotencyKey(newIdempotencyKey());
    CompletableFuture<Long> result = new CompletableFuture<>();
    attemptPublish(publish.build(), 1, result);
    return result;
  }

  private void attemptPublish(Publish publish, int attempt, CompletableFuture<Long> result) {
    whenConnected().thenCompose(l -> request(l, ClientFrame.newBuilder().setPublish(publish))).whenComplete((f, e) -> {
      if (e == null) {
        result.complete(f.getAck().getOffset());
        return;
      }
      Throwable cause = unwrap(e);
      if (attempt >= options.publishAttempts() || closing || !passing(cause)) {
        result.completeExceptionally(cause);
        return;
      }
      if (!schedule(() -> attemptPublish(publish, attempt + 1, result), backoff(attempt - 1))) result.completeExceptionally(cause);
    });
  }

  /** A fresh idempotency key: 16 random bytes, base64url without padding (22 characters). */
  static String newIdempotencyKey() {
    byte[] key = new byte[16];
    KEYS.nextBytes(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }

  /** Whether a failed publish may succeed when sent again: the node was unavailable, no reply came, or the connection went. */
  private static boolean passing(Throwable e) {
    if (!(e instanceof RoomcastException re)) return false;
    return re.code() == 503 || re.code() == 408 || re.code() >= 1000;
  }

  /** Who is in {@code room} now (error 413 above the node's max-members; 403 without the right to read its presence). */
  public CompletableFuture<Presence> presence(String room) {
    return request(link, ClientFrame.newBuilder().setPresence(PresenceRequest.newBuilder().setRoom(room))).thenApply(ServerFrame::getPresence);
  }

  /** How many sessions and distinct users are in {@code room} now. */
  public CompletableFuture<PresenceStats> presenceStats(String room) {
    return request(link, ClientFrame.newBuilder().setPresenceStats(PresenceStatsRequest.newBuilder().setRoom(room)))
        .thenApply(ServerFrame::getPresenceStats);
  }

  /** The last position delivered to the room's listener, or null before the first. */
  public Position position(String room) {
    Room r = rooms.get(room);
    if (r == null) return null;
    synchronized (r) {
      return r.epoch == null ? null : Position.newBuilder().setOffset(r.offset).setEpoch(r.epoch).build();
    }
  }

  /** How many skipped offsets this client saw and repaired by resuming the room from history. */
  public long gapsRepaired() {
    return gaps.get();
  }

  /** How many times the node said it dropped messages of a room for this slow client (each room was resumed from history). */
  public long lagsRecovered() {
    return lags.get();
  }

  /** How many messages arrived for rooms this client is not subscribed to (left rooms may still drain). */
  public long strayMessages() {
    return strays.get();
  }

  /** Completes when the client is closed for good (by {@link #close()}, or a close it does not recover from). */
  public CompletableFuture<ClosedBy> closed() {
    return closed;
  }

  /** Sends already-encoded bytes as one binary message: for tests of hostile input. */
  public CompletableFuture<Void> sendRaw(byte[] message) {
    return link.send(message);
  }

  @Override
  public void close() {
    closing = true;
    Link l = link;
    if (l != null) l.close();
    closed.complete(new ClosedBy(1000, "closed by the client", false));
    noMoreLinks();
    timer.shutdownNow();
  }

  // ---- per connection ----

  private CompletableFuture<Position> sendSubscribe(Link on, String room, Room r) {
    Subscribe.Builder subscribe = Subscribe.newBuilder().setRoom(room).setJoinLeave(r.joinLeave);
    synchronized (r) {
      if (r.epoch != null) subscribe.setSince(Position.newBuilder().setOffset(r.offset).setEpoch(r.epoch));
    }
    // The room's position is taken from the reply on the receive thread (onSubscribedReply), before
    // the frames that follow it: here would be too late, as this may run on another thread after them.
    return request(on, ClientFrame.newBuilder().setSubscribe(subscribe)).thenApply(f -> f.getSubscribed().getPosition());
  }

  /**
   * The reply to a subscribe, on the receive thread before any later frame: where the room's stream
   * stands (unless the node resumed it, when the replayed messages say so), the end of its resync,
   * and a reset told to the application before any message of the restarted stream.
   */
  private void onSubscribedReply(Subscribed s) {
    Room r = rooms.get(s.getRoom());
    if (r == null) return;
    boolean resumed = s.hasRecovered();
    synchronized (r) {
      if (!resumed || !s.getRecovered()) {
        r.offset = s.getPosition().getOffset();
        r.epoch = s.getPosition().getEpoch();
      }
      r.resyncing = false;
      r.pushed = null;
    }
    if (resumed && !s.getRecovered()) events.onRoomReset(s.getRoom(), s.getPosition().getOffset(), s.getPosition().getEpoch());
  }

  private CompletableFuture<ServerFrame> request(Link on, ClientFrame.Builder frame) {
    int id = ids.incrementAndGet();
    CompletableFuture<ServerFrame> reply = new CompletableFuture<>();
    pending.put(id, reply);
    on.send(BinaryFrames.encode(frame.setId(id).build())).whenComplete((v, e) -> {
      if (e != null) {
        CompletableFuture<ServerFrame> f = pending.remove(id);
        if (f != null) f.completeExceptionally(new RoomcastException(1006, "not connected: " + e.getMessage()));
      }
    });
    // A reply that never comes (a node that froze) must not leave a room unsubscribed for good.
    reply.orTimeout(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((f, e) -> {
      if (e instanceof java.util.concurrent.TimeoutException) pending.remove(id);
    });
    return reply.handle((f, e) -> {
      if (e instanceof java.util.concurrent.TimeoutException) throw new RoomcastException(408, "no reply in time");
      if (e != null) throw e instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(e);
      if (f.hasError()) throw new RoomcastException(f.getError().getCode(), f.getError().getMessage());
      return f;
    });
  }

  /**
   * Resubscribes a room (on a new connection, or after a gap or lagged), and keeps trying while the
   * failure is passing (broker or history unavailable, no reply in time) and the connection is still
   * the one in use (a new one resubscribes every room itself); a refusal that trying again cannot fix
   * (no right, bad name) is reported as a reset of the room. Success ends the room's resync.
   */
  private void resubscribe(Link on, String room, Room r, int attempt) {
    sendSubscribe(on, room, r).whenComplete((p, e) -> {
      if (e == null) {
        synchronized (r) {
          r.resyncing = false;
          r.pushed = null;
        }
        return;
      }
      if (on != link || rooms.get(room) != r || closing) return;
      int code = unwrap(e) instanceof RoomcastException re ? re.code() : 0;
      if (code == 409) { // the node has it already
        Position pushed;
        synchronized (r) {
          r.resyncing = false;
          pushed = r.pushed;
          r.pushed = null;
          if (pushed != null) {
            r.offset = pushed.getOffset();
            r.epoch = pushed.getEpoch();
          }
        }
        // A node that does not resume a room it subscribed the client to: the stream goes on from its push.
        if (pushed != null) events.onRoomReset(room, pushed.getOffset(), pushed.getEpoch());
        return;
      }
      if (code == 400 || code == 401 || code == 403 || code == 404 || code == 429) {
        rooms.remove(room, r);
        events.onRoomReset(room, -1, "");
        return;
      }
      schedule(() -> resubscribe(on, room, r, attempt + 1), backoff(attempt));
    });
  }

  /** Leaves the room and joins it again from the last offset delivered: the node replays the rest. */
  private void resync(Link on, String room, Room r) {
    request(on, ClientFrame.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setRoom(room)))
        .exceptionally(e -> null)
        .thenRun(() -> resubscribe(on, room, r, 0));
  }

  /** The delay before retry number {@code attempt} + 1: the reconnect backoff, doubled per attempt, with jitter. */
  private long backoff(int attempt) {
    long ceiling = Math.min(options.backoffMax().toMillis(), options.backoffMin().toMillis() << Math.min(attempt, 20));
    return ThreadLocalRandom.current().nextLong(Math.max(1, ceiling / 2), ceiling + 1);
  }

  /** Runs {@code task} after {@code delayMs} on the client's timer; false when the client was closed. */
  private boolean schedule(Runnable task, long delayMs) {
    try {
      timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      return false;
    }
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) e = e.getCause();
    return e;
  }

  /** Makes {@code l} the connection in use, and hears when it goes (at once, if it already has). */
  private void use(Link l) {
    CompletableFuture<Link> waiting;
    synchronized (upLock) {
      link = l;
      waiting = nextLink;
      nextLink = new CompletableFuture<>();
    }
    waiting.complete(l);
    l.closed.thenAccept(how -> onLinkClosed(l, how));
  }

  /** The connection in use, or the next one when it is gone (within the connect timeout). */
  private CompletableFuture<Link> whenConnected() {
    synchronized (upLock) {
      Link l = link;
      if (l != null && !l.closed.isDone()) return CompletableFuture.completedFuture(l);
      if (closed.isDone()) return CompletableFuture.failedFuture(new RoomcastException(1006, "not connected: the client is closed"));
      return nextLink.copy().orTimeout(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS).handle((next, e) -> {
        if (e != null) throw new RoomcastException(1006, "not connected: no connection within " + options.connectTimeout());
        return next;
      });
    }
  }

  /** No connection follows: whoever waits for one fails. */
  private void noMoreLinks() {
    synchronized (upLock) {
      nextLink.completeExceptionally(new RoomcastException(1006, "not connected: the client is closed"));
    }
  }

  /** A frame from one of this client's connections, on its receive thread. */
  void onFrame(Link from, ServerFrame f) {
    if (f.hasId()) {
      if (f.hasSubscribed()) onSubscribedReply(f.getSubscribed());
      CompletableFuture<ServerFrame> waiting = pending.remove(f.getId());
      if (waiting != null) waiting.complete(f);
      return;
    }
    switch (f.getKindCase()) {
      case MESSAGE -> onMessage(from, f.getMessage());
      case SUBSCRIBED -> onPushedSubscribed(f.getSubscribed());
      case JOIN -> {
        Room r = rooms.get(f.getJoin().getRoom());
        if (r != null) r.listener.onJoin(f.getJoin().getRoom(), f.getJoin().getMember());
      }
      case LEAVE -> {
        Room r = rooms.get(f.getLeave().getRoom());
        if (r != null) r.listener.onLeave(f.getLeave().getRoom(), f.getLeave().getMember());
      }
      case LAGGED -> { // the node dropped messages this client read too slowly: resume the room from history
        Room r = rooms.get(f.getLagged().getRoom());
        if (r == null) return;
        synchronized (r) {
          if (r.resyncing) return;
          r.resyncing = true;
        }
        lags.incrementAndGet();
        resync(from, f.getLagged().getRoom(), r);
      }
      case UNSUBSCRIBED -> { // the node left the room on its own (403: a new token no longer grants it): gone for good
        if (rooms.remove(f.getUnsubscribed().getRoom()) != null) events.onRoomReset(f.getUnsubscribed().getRoom(), -1, "");
      }
      case PING -> from.send(BinaryFrames.encode(ClientFrame.newBuilder().setPong(Pong.getDefaultInstance()).build()));
      default -> { } // connected, disconnect (its advice comes with the close), frames of later versions
    }
  }

  /**
   * A {@code subscribed} without an id: for a room the client is not in, the node subscribed it on its
   * own (a personal room, at connect); for a server-side room being resumed, the node's subscription
   * at connect (the reply to the resume decides); otherwise the word that a live room's stream restarted.
   */
  private void onPushedSubscribed(Subscribed s) {
    Position at = s.getPosition();
    Room r = rooms.get(s.getRoom());
    if (r == null) {
      RoomListener listener = events.onServerSubscription(s.getRoom());
      Room made = new Room(listener == null ? RoomListener.IGNORE : listener, false, true);
      synchronized (made) {
        made.offset = at.getOffset();
        made.epoch = at.getEpoch();
      }
      rooms.putIfAbsent(s.getRoom(), made);
      return;
    }
    synchronized (r) {
      if (r.serverSide && r.resyncing) {
        r.pushed = at;
        return;
      }
      if (r.resyncing) return; // the resubscribe's reply says where the stream stands
      r.offset = at.getOffset();
      r.epoch = at.getEpoch();
    }
    events.onRoomReset(s.getRoom(), at.getOffset(), at.getEpoch());
  }

  private void onMessage(Link from, io.roomcast.protocol.v1.Message m) {
    Room r = rooms.get(m.getRoom());
    if (r == null && m.getRoom().startsWith("$")) { // a message to this very connection: no subscription, no offset
      RoomListener direct = sessionRooms.computeIfAbsent(m.getRoom(), room -> {
        RoomListener l = events.onServerSubscription(room);
        return l == null ? RoomListener.IGNORE : l;
      });
      direct.accept(received(m));
      return;
    }
    if (r == null) {
      strays.incrementAndGet();
      return;
    }
    if (m.hasOffset()) {
      boolean gap;
      synchronized (r) {
        if (r.resyncing) return; // the node replays it after the resubscribe
        if (m.getEpoch().equals(r.epoch) && m.getOffset() <= r.offset) return; // seen already
        gap = m.getEpoch().equals(r.epoch) && m.getOffset() > r.offset + 1;
        if (gap) {
          r.resyncing = true;
        } else {
          r.offset = m.getOffset();
          r.epoch = m.getEpoch();
        }
      }
      if (gap) { // the node should never let one through; if it does, resume from history all the same
        gaps.incrementAndGet();
        resync(from, m.getRoom(), r);
        return;
      }
    }
    r.listener.accept(received(m));
  }

  private static ReceivedMessage received(io.roomcast.protocol.v1.Message m) {
    boolean text = m.getPayloadCase() == io.roomcast.protocol.v1.Message.PayloadCase.TEXT;
    byte[] payload = text ? m.getTextBytes().toByteArray() : m.getData().toByteArray();
    return new ReceivedMessage(m.getRoom(), payload, text, m.getOffset(), m.getEpoch(), m.getTimeMs());
  }

  /** The connection {@code from} is gone: fail what waited on it, and reconnect unless told not to. */
  private void onLinkClosed(Link from, ClosedBy how) {
    if (from != link) return;
    RoomcastException gone = new RoomcastException(how.code(), "connection closed: " + how.reason());
    pending.values().forEach(f -> f.completeExceptionally(gone));
    pending.clear();
    boolean again = options.reconnect() && !closing && (how.reconnectAdvised() || how.code() == 1006);
    // Until resumed on the next connection, a server-side room ignores the node's push and messages.
    rooms.values().forEach(r -> {
      synchronized (r) {
        if (r.serverSide && r.epoch != null) r.resyncing = true;
      }
    });
    events.onDisconnected(how, again);
    if (!again) {
      closed.complete(how);
      noMoreLinks();
      timer.shutdownNow();
      return;
    }
    scheduleReconnect(how.retryAfterMs());
  }

  private synchronized void scheduleReconnect(long retryAfterMs) {
    long ceiling = Math.min(options.backoffMax().toMillis(), options.backoffMin().toMillis() << Math.min(attempts, 20));
    long delay = Math.max(retryAfterMs, ThreadLocalRandom.current().nextLong(options.backoffMin().toMillis(), ceiling + 1));
    attempts++;
    timer.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
  }

  private void reconnect() {
    if (closing) return;
    Link.open(this, http, uri, options.connectTimeout()).whenComplete((l, e) -> {
      if (e != null || closing) {
        if (l != null) l.close();
        if (!closing) scheduleReconnect(0);
        return;
      }
      synchronized (this) {
        attempts = 0;
      }
      use(l);
      rooms.forEach((room, r) -> resubscribe(l, room, r, 0));
      events.onConnected(true);
    });
  }
}
