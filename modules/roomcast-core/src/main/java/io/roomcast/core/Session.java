package io.roomcast.core;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as the transport sees it: decodes the client's messages and hands each
 * frame down to {@link RequestHandler}, keeps the connection alive ({@link SessionHeartbeat}), and
 * closes it. What goes out leaves through its {@link Outbox} and {@link OutboundWriter}; what the
 * requests remember of the client is its {@link ClientState}. Every method runs on the connection's
 * thread ({@link Connection#executor()}), so nothing here is locked.
 */
public final class Session {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  private final String id;
  private final Connection connection;
  private final WireFormat format;
  private final Shard shard;
  private final RequestHandler requests;
  private final int maxFramesPerMessage;
  private final NodeMetrics metrics;
  private final ClientState client;
  private final OutboundWriter writer;
  private final Outbox outbox;
  private final SessionHeartbeat heartbeat;
  /** Told once the session is gone (it may be told twice), so the node forgets it and its rooms. */
  private final Consumer<Session> onGone;
  /** Set once, when the session starts closing; nothing is sent or accepted after it. */
  private boolean closed;

  Session(String id, Connection connection, Shard shard, RequestHandler requests, ClientState client, NodeConfig config,
      NodeMetrics metrics, Consumer<Session> onGone) {
    this.id = id;
    this.connection = connection;
    this.format = connection.format();
    this.shard = shard;
    this.requests = requests;
    this.client = client;
    this.maxFramesPerMessage = config.limits().maxFramesPerMessage();
    this.metrics = metrics;
    this.onGone = onGone;
    this.writer = new OutboundWriter(connection, config.limits(), metrics, shard.queuedBytes());
    this.outbox = new Outbox(writer, format, config.outbound().slowConsumer(), config.limits().maxQueuedFrames(), this::slowConsumer);
    this.heartbeat = new SessionHeartbeat(shard.heartbeats(), config.heartbeat(), this);
  }

  public String id() {
    return id;
  }

  /** A binary WebSocket message from the client, already bounded in size by the transport. */
  public void onBinary(ByteBuffer message) {
    if (closed) return;
    heartbeat.heard();
    metrics.bytesReceived.increment(message.remaining());
    if (format != WireFormat.PROTO) {
      refuse("binary_on_json", Disconnect.UNSUPPORTED_DATA.because("binary message on " + format.subprotocol()));
      return;
    }
    List<ClientFrame> frames;
    try {
      frames = BinaryFrames.decode(message, ClientFrame.parser(), maxFramesPerMessage);
    } catch (MalformedFrameException e) {
      refuse("undecodable", Disconnect.MALFORMED.because(e.getMessage()));
      return;
    }
    handle(frames);
  }

  /** A text WebSocket message from the client, already bounded in size by the transport. */
  public void onText(CharSequence message) {
    if (closed) return;
    heartbeat.heard();
    metrics.bytesReceived.increment(message.length()); // UTF-16 units: equal to bytes for ASCII JSON
    if (format != WireFormat.JSON) {
      refuse("text_on_proto", Disconnect.UNSUPPORTED_DATA.because("text message on " + format.subprotocol()));
      return;
    }
    List<ClientFrame> frames;
    try {
      frames = JsonFrames.decode(message, ClientFrame.getDefaultInstance(), maxFramesPerMessage);
    } catch (MalformedFrameException e) {
      refuse("undecodable", Disconnect.MALFORMED.because(e.getMessage()));
      return;
    }
    handle(frames);
  }

  /** A WebSocket-level pong (or any sign of life the transport sees outside messages). */
  public void onPong() {
    heartbeat.heard();
  }

  /** The transport saw the connection close (either side, any reason). Releases its rooms. */
  public void onClosed(int code) {
    if (closed) { // we closed it in disconnect(), which counted it
      onGone.accept(this);
      return;
    }
    closed = true;
    writer.close();
    onGone.accept(this);
    metrics.closed(code);
    metrics.open.decrementAndGet();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress()).addKeyValue("code", code)
        .log("session closed by peer or transport");
  }

  /** Closes the connection for a reason the client is told; rooms are released on a later task. */
  public void disconnect(Disconnect d) {
    if (closed) return;
    closed = true;
    writer.close();
    connection.close(d, Frames.encode(Frames.disconnect(d), format));
    metrics.closed(d.code());
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress()).addKeyValue("code", d.code())
        .log("session closed by node: {}", d.reason());
    metrics.open.decrementAndGet();
    // Not now: this may run inside a shard's walk over a room's members.
    connection.executor().execute(() -> onGone.accept(this));
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
      requests.handle(new Request(this, f.getId(), f.hasId()), f);
    }
  }

  /** Greets the client and starts the heartbeat. */
  void start(String nodeId, NodeConfig config) {
    outbox.reply(Frames.connected(nodeId, id, config.limits(), config.heartbeat()), null);
    heartbeat.start();
  }

  /** The node drains: close with {@code d} as soon as no publish of this client is in flight. */
  void drain(Disconnect d) {
    if (closed) return;
    if (client.drain(d)) disconnect(d);
  }

  // ---- what the layers below are handed, on this session's thread ----

  Shard shard() {
    return shard;
  }

  ClientState client() {
    return client;
  }

  Outbox outbox() {
    return outbox;
  }

  Connection connection() {
    return connection;
  }

  /** Runs {@code task} on this session's thread (from a broker thread, say), unless the session closed. */
  void later(Runnable task) {
    connection.executor().execute(() -> {
      if (!closed) task.run();
    });
  }

  private void slowConsumer() {
    if (closed) return;
    metrics.slowConsumers.increment();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
        .addKeyValue("queuedBytes", writer.queuedBytes()).log("slow consumer");
    disconnect(Disconnect.SLOW_CONSUMER);
  }

  /** Whether the session closed (its heartbeat stops). */
  boolean isClosed() {
    return closed;
  }

  /** The heartbeat's protocol ping. */
  void ping() {
    outbox.send(Frames.PING, null);
  }

  /** The client did not answer a ping in time: closed with 4009. */
  void noPong() {
    metrics.noPong.increment();
    log.atDebug().addKeyValue("session", id).addKeyValue("remote", connection.remoteAddress())
        .log("no pong: the client did not answer a ping in time");
    disconnect(Disconnect.NO_PONG);
  }
}
