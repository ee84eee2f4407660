package io.roomcast.core;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.ServerFrame;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its subscriptions and its outbound queue. Every method runs on the
 * connection's thread ({@link Connection#executor()}), so nothing here is locked.
 *
 * <p>Outbound, one write is in flight at a time; frames that arrive meanwhile queue up and leave
 * together as one WebSocket message when it completes (up to {@link SessionLimits#maxBatchBytes()}).
 * A fast client gets frames at once, a slower one bigger batches, and one whose queue overflows is
 * cut off as a slow consumer without slowing anyone else.
 */
public final class Session {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private final String id;
  private final Connection connection;
  private final WireFormat format;
  private final Shard shard;
  private final Requests requests;
  private final SessionLimits limits;
  private final Heartbeat heartbeat;
  private final NodeMetrics metrics;
  /** Told once when this session is gone, so the node forgets it. */
  private final java.util.function.Consumer<Session> onGone;
  /** Subscriptions by room, settled or not. */
  private final Map<String, Subscription> subscriptions = new HashMap<>();
  /** Encoded frames waiting behind the write in flight, oldest first. */
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  /** Sum of the lengths in {@link #queue}; never above {@code limits.maxQueuedBytes()}. */
  private long queuedBytes;
  /** Whether a write is in flight; frames queue until it completes. */
  private boolean writing;
  /** Set once, when the session starts closing; nothing is sent or accepted after it. */
  private boolean closed;
  /** Whether the client sent anything since the last ping. */
  private boolean heard = true;
  /** Publishes sent to the broker and not yet answered; a draining session waits for them. */
  private int publishesInFlight;
  /** Set when the node drains: the session closes with {@code drainWith} once no publish is in flight. */
  private Disconnect drainWith;
  /** Who the client is; null until a token is verified on a node that requires one. Replaced by refresh. */
  private Principal principal;
  /** This connection's publish rate; made on its first publish. */
  private PublishThrottle throttle;
  /** The pending close at the principal's token expiry; replaced on refresh, cancelled when the session closes. */
  private java.util.concurrent.Future<?> expiry;

  Session(String id, Connection connection, Shard shard, Requests requests, NodeConfig config, NodeMetrics metrics,
      java.util.function.Consumer<Session> onGone) {
    this.id = id;
    this.connection = connection;
    this.format = connection.format();
    this.shard = shard;
    this.requests = requests;
    this.limits = config.limits();
    this.heartbeat = config.heartbeat();
    this.metrics = metrics;
    this.onGone = onGone;
  }

  public String id() {
    return id;
  }

  /** A binary WebSocket message from the client, already bounded in size by the transport. */
  public void onBinary(ByteBuffer message) {
    if (closed) return;
    heard = true;
    metrics.bytesReceived.increment(message.remaining());
    if (format != WireFormat.PROTO) {
      refuse("binary_on_json", Disconnect.UNSUPPORTED_DATA.because("binary message on " + format.subprotocol()));
      return;
    }
    List<ClientFrame> frames;
    try {
      frames = BinaryFrames.decode(message, ClientFrame.parser(), limits.maxFramesPerMessage());
    } catch (MalformedFrameException e) {
      refuse("undecodable", Disconnect.MALFORMED.because(e.getMessage()));
      return;
    }
    handle(frames);
  }

  /** A text WebSocket message from the client, already bounded in size by the transport. */
  public void onText(CharSequence message) {
    if (closed) return;
    heard = true;
    metrics.bytesReceived.increment(message.length()); // UTF-16 units: equal to bytes for ASCII JSON
    if (format != WireFormat.JSON) {
      refuse("text_on_proto", Disconnect.UNSUPPORTED_DATA.because("text message on " + format.subprotocol()));
      return;
    }
    List<ClientFrame> frames;
    try {
      frames = JsonFrames.decode(message, ClientFrame.getDefaultInstance(), limits.maxFramesPerMessage());
    } catch (MalformedFrameException e) {
      refuse("undecodable", Disconnect.MALFORMED.because(e.getMessage()));
      return;
    }
    handle(frames);
  }

  /** A WebSocket-level pong (or any sign of life the transport sees outside messages). */
  public void onPong() {
    heard = true;
  }

  /** The transport saw the connection close (either side, any reason). Releases its rooms. */
  public void onClosed(int code) {
    if (closed) { // we closed it in disconnect(), which counted it
      release();
      return;
    }
    closed = true;
    release();
    metrics.closed(code);
    metrics.open.decrementAndGet();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress()).addKeyValue("code", code)
        .log("session closed by peer or transport");
  }

  /** Closes the connection for a reason the client is told; rooms are released on a later task. */
  public void disconnect(Disconnect d) {
    if (closed) return;
    closed = true;
    queue.clear();
    shard.queued(-queuedBytes);
    queuedBytes = 0;
    byte[] last = encode(Frames.disconnect(d));
    connection.close(d, last);
    metrics.closed(d.code());
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress()).addKeyValue("code", d.code())
        .log("session closed by node: {}", d.reason());
    metrics.open.decrementAndGet();
    // Not now: this may run inside a shard's walk over a room's members.
    connection.executor().execute(this::release);
  }

  private void release() {
    onGone.accept(this);
    if (expiry != null) expiry.cancel(false);
    if (subscriptions.isEmpty()) return;
    List<Subscription> all = new ArrayList<>(subscriptions.values());
    subscriptions.clear();
    for (Subscription s : all) requests.hub().leave(s);
  }

  private void refuse(String reason, Disconnect d) {
    metrics.malformed(reason);
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress()).addKeyValue("reason", reason)
        .log("refused a message: {}", d.reason());
    disconnect(d);
  }

  private void handle(List<ClientFrame> frames) {
    for (ClientFrame f : frames) {
      if (closed) return;
      requests.handle(this, f);
    }
  }

  // ---- used by Requests and Subscription, on this session's thread ----

  Shard shard() {
    return shard;
  }

  Principal principal() {
    return principal;
  }

  void setPrincipal(Principal p, java.util.concurrent.Future<?> newExpiry) {
    principal = p;
    if (expiry != null) expiry.cancel(false);
    expiry = newExpiry;
  }

  PublishThrottle throttle() {
    if (throttle == null) throttle = requests.newThrottle();
    return throttle;
  }

  SessionLimits limits() {
    return limits;
  }

  Connection connection() {
    return connection;
  }

  boolean isClosed() {
    return closed;
  }

  Subscription subscription(String room) {
    return subscriptions.get(room);
  }

  Collection<Subscription> subscriptions() {
    return subscriptions.values();
  }

  void addSubscription(Subscription s) {
    subscriptions.put(s.room, s);
  }

  void removeSubscription(Subscription s) {
    subscriptions.remove(s.room, s);
  }

  /** Runs {@code task} on this session's thread (from a broker thread, say), unless the session closed. */
  void later(Runnable task) {
    connection.executor().execute(() -> {
      if (!closed) task.run();
    });
  }

  void reply(ServerFrame frame) {
    enqueue(encode(frame));
  }

  void sendMessage(OutboundFrame frame) {
    enqueue(frame.encoded(format));
  }

  void slowConsumer() {
    if (closed) return;
    metrics.slowConsumers.increment();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
        .addKeyValue("queuedBytes", queuedBytes).log("slow consumer");
    disconnect(Disconnect.SLOW_CONSUMER);
  }

  private byte[] encode(ServerFrame frame) {
    return format == WireFormat.PROTO ? BinaryFrames.encode(frame) : JsonFrames.encode(frame);
  }

  private void enqueue(byte[] bytes) {
    if (closed) return;
    if (!writing) {
      writing = true;
      write(List.of(bytes));
      return;
    }
    if (queue.size() >= limits.maxQueuedFrames() || queuedBytes + bytes.length > limits.maxQueuedBytes()) {
      slowConsumer();
      return;
    }
    queue.add(bytes);
    queuedBytes += bytes.length;
    shard.queued(bytes.length);
  }

  private void write(List<byte[]> frames) {
    metrics.batchFrames.record(frames.size());
    long bytes = 0;
    for (int i = 0, n = frames.size(); i < n; i++) bytes += frames.get(i).length;
    metrics.bytesSent.increment(bytes);
    connection.write(frames, this::onWritten);
  }

  private void onWritten(Throwable failure) {
    writing = false;
    if (failure != null) {
      log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
          .log("write failed: {}", failure.toString());
      return; // the transport closes the connection and reports onClosed
    }
    if (closed || queue.isEmpty()) return;
    List<byte[]> batch = new ArrayList<>(Math.min(queue.size(), 64));
    long bytes = 0;
    while (!queue.isEmpty()) {
      byte[] next = queue.peek();
      if (!batch.isEmpty() && bytes + next.length > limits.maxBatchBytes()) break;
      queue.poll();
      batch.add(next);
      bytes += next.length;
    }
    queuedBytes -= bytes;
    shard.queued(-bytes);
    writing = true;
    write(batch);
  }

  /** Greets the client and starts the heartbeat. */
  void start(String nodeId) {
    reply(Frames.connected(nodeId, id, limits, heartbeat));
    connection.schedule(this::pingDue, heartbeat.interval().toMillis());
  }

  private void pingDue() {
    if (closed) return;
    heard = false;
    sendMessage(Frames.PING);
    connection.schedule(this::pongDue, heartbeat.timeout().toMillis());
  }

  private void pongDue() {
    if (closed) return;
    if (!heard) {
      metrics.noPong.increment();
      log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
          .log("no pong: the client did not answer a ping in time");
      disconnect(Disconnect.NO_PONG);
      return;
    }
    connection.schedule(this::pingDue, heartbeat.interval().minus(heartbeat.timeout()).toMillis());
  }

  /** The node drains: close with {@code d} as soon as no publish of this client is in flight. */
  void drain(Disconnect d) {
    if (closed) return;
    drainWith = d;
    if (publishesInFlight == 0) disconnect(d);
  }

  void publishStarted() {
    publishesInFlight++;
  }

  void publishEnded() {
    publishesInFlight--;
    if (drainWith != null && publishesInFlight == 0) disconnect(drainWith);
  }
}
