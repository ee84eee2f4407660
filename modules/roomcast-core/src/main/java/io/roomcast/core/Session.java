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
  /** Marks a queued entry that is not a room message (a reply, a ping, a lagged frame): never dropped. */
  private static final OutboundFrame REPLY = OutboundFrame.of(ServerFrame.getDefaultInstance());

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
  private final Map<String, Subscription> subscriptions = new HashMap<>(4);
  private final Outbound outbound;
  /** The node's shared deflater if this connection negotiated permessage-deflate that way; else null. */
  private final FrameDeflater deflater;
  /** Encoded frames waiting behind the write in flight (or a pending flush), oldest first. */
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>(1); // small: most connections are idle
  /**
   * Parallel to {@link #queue}: for each entry, the frame it carries ({@link SlowConsumerPolicy#DROP_OLDEST}
   * drops only room messages), {@link #REPLY} for replies, or the marker of a room's lagged notice.
   */
  private final ArrayDeque<OutboundFrame> queuedFrames = new ArrayDeque<>(1);
  /** Sum of the lengths in {@link #queue}; above {@code limits.maxQueuedBytes()} only by lagged notices. */
  private long queuedBytes;
  /** Whether a write is in flight; frames queue until it completes. */
  private boolean writing;
  /** Whether queued frames wait for a flush already arranged (at the end of the shard's drain). */
  private boolean flushArranged;
  /** Rooms whose lagged frame is still queued: one frame tells of every drop until it leaves. Null until the first drop. */
  private java.util.Set<String> laggedQueued;
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
  private Scheduler.Scheduled expiry;

  Session(String id, Connection connection, Shard shard, Requests requests, NodeConfig config, NodeMetrics metrics,
      java.util.function.Consumer<Session> onGone) {
    this.id = id;
    this.connection = connection;
    this.format = connection.format();
    this.shard = shard;
    this.requests = requests;
    this.limits = config.limits();
    this.heartbeat = config.heartbeat();
    this.outbound = config.outbound();
    this.deflater = connection.deflater();
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
    queuedFrames.clear();
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
    if (expiry != null) expiry.cancel();
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

  void setPrincipal(Principal p, Scheduler.Scheduled newExpiry) {
    principal = p;
    if (expiry != null) expiry.cancel();
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
    enqueue(encode(frame), REPLY);
  }

  void sendMessage(OutboundFrame frame) {
    enqueue(frame.encoded(format), frame);
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

  /**
   * Sends {@code bytes} now if nothing else is pending, else queues them behind the write in flight
   * or the flush arranged. A frame that arrives during a shard's drain waits for its end, so frames
   * that come together leave together (the write delay, if any, is the shard's).
   */
  private void enqueue(byte[] bytes, OutboundFrame kind) {
    if (closed) return;
    if (!writing && !flushArranged) {
      if (shard.draining()) {
        flushArranged = true;
        shard.flushAfterDrain(this);
      } else {
        writing = true;
        write(List.of(bytes), List.of(kind));
        return;
      }
    } else if (queue.size() >= limits.maxQueuedFrames() || queuedBytes + bytes.length > limits.maxQueuedBytes()) {
      if (outbound.slowConsumer() == SlowConsumerPolicy.DISCONNECT || !dropOldestFor(bytes.length)) {
        slowConsumer();
        return;
      }
    }
    queue.add(bytes);
    queuedFrames.add(kind);
    queuedBytes += bytes.length;
    shard.queued(bytes.length);
  }

  /**
   * Drops the oldest queued room messages until a frame of {@code needed} bytes fits, and puts one
   * lagged frame per room that lost messages ahead of the queue (unless one is queued already).
   *
   * @return false when dropping every message would not make room (the queue holds only replies)
   */
  private boolean dropOldestFor(int needed) {
    java.util.Map<String, OutboundFrame> firstDropped = null;
    int dropped = 0;
    var bytesIt = queue.iterator();
    var kindIt = queuedFrames.iterator();
    while ((queue.size() >= limits.maxQueuedFrames() || queuedBytes + needed > limits.maxQueuedBytes()) && bytesIt.hasNext()) {
      byte[] b = bytesIt.next();
      OutboundFrame f = kindIt.next();
      if (!f.droppable) continue;
      bytesIt.remove();
      kindIt.remove();
      queuedBytes -= b.length;
      shard.queued(-b.length);
      dropped++;
      if (f.epoch != null) {
        if (firstDropped == null) firstDropped = new java.util.HashMap<>();
        firstDropped.putIfAbsent(f.room, f);
      }
    }
    boolean fits = queue.size() < limits.maxQueuedFrames() && queuedBytes + needed <= limits.maxQueuedBytes();
    if (dropped > 0) metrics.droppedFrames.increment(dropped);
    if (firstDropped != null) { // a few bytes past the limits at most: one small frame per room
      if (laggedQueued == null) laggedQueued = new java.util.HashSet<>();
      for (OutboundFrame f : firstDropped.values()) {
        if (!laggedQueued.add(f.room)) continue;
        byte[] lagged = encode(Frames.lagged(f.room, f.offset - 1, f.epoch));
        queue.addFirst(lagged);
        queuedFrames.addFirst(OutboundFrame.laggedMarker(f.room));
        queuedBytes += lagged.length;
        shard.queued(lagged.length);
      }
      log.debug("session {} from {} lags: dropped {} queued messages", id, connection.remoteAddress(), dropped);
    }
    return fits;
  }

  /** The arranged flush: writes what was queued, unless a write is in flight (its completion will). */
  void flush() {
    flushArranged = false;
    if (closed || writing || queue.isEmpty()) return;
    writeQueued();
  }

  private void write(List<byte[]> frames, List<OutboundFrame> kinds) {
    metrics.batchFrames.record(frames.size());
    long bytes = 0;
    for (int i = 0, n = frames.size(); i < n; i++) bytes += frames.get(i).length;
    metrics.bytesSent.increment(bytes); // before compression
    if (deflater != null) {
      List<byte[]> chunks = new ArrayList<>(frames.size());
      for (int i = 0; i < frames.size(); i++) {
        OutboundFrame kind = kinds.get(i);
        // Room messages are compressed once per node; replies are one session's own, sent stored.
        chunks.add(kind.droppable ? kind.deflated(format, deflater) : FrameDeflater.STORED);
      }
      List<byte[]> pieces = FrameDeflater.message(frames, chunks);
      if (pieces != null) {
        connection.writeCompressed(pieces, this::onWritten);
        return;
      }
    }
    connection.write(frames, this::onWritten);
  }

  private void onWritten(Throwable failure) {
    writing = false;
    if (failure != null) {
      log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
          .log("write failed: {}", failure.toString());
      return; // the transport closes the connection and reports onClosed
    }
    if (closed || queue.isEmpty() || flushArranged) return;
    writeQueued();
  }

  /** Writes the queued frames, oldest first, as one message of at most maxBatchBytes (a bigger single frame goes alone). */
  private void writeQueued() {
    List<byte[]> batch = new ArrayList<>(Math.min(queue.size(), 64));
    List<OutboundFrame> kinds = new ArrayList<>(Math.min(queue.size(), 64));
    long bytes = 0;
    while (!queue.isEmpty()) {
      byte[] next = queue.peek();
      if (!batch.isEmpty() && bytes + next.length > limits.maxBatchBytes()) break;
      queue.poll();
      OutboundFrame kind = queuedFrames.poll();
      if (!kind.droppable && kind.room != null) laggedQueued.remove(kind.room); // its lagged notice leaves
      batch.add(next);
      kinds.add(kind);
      bytes += next.length;
    }
    queuedBytes -= bytes;
    shard.queued(-bytes);
    writing = true;
    write(batch, kinds);
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
