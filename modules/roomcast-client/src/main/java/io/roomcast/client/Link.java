package io.roomcast.client;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.Disconnect;
import io.roomcast.protocol.v1.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection of a {@link RoomcastClient}: reassembles messages, splits them into frames
 * for the client, and serialises sends (the JDK's WebSocket allows one outstanding send).
 */
final class Link implements WebSocket.Listener {
  private static final String SUBPROTOCOL = "roomcast.v1.proto";

  private final RoomcastClient client;
  /** Completes once, when the connection is gone, with how. */
  final CompletableFuture<ClosedBy> closed = new CompletableFuture<>();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  /** The last {@code disconnect} frame's advice; read when the close arrives. Receive thread only. */
  private Disconnect advice;
  /** Set once the handshake is done. */
  private volatile WebSocket socket;
  /** The last send; each waits for the one before. Guarded by this. */
  private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

  private Link(RoomcastClient client) {
    this.client = client;
  }

  static CompletableFuture<Link> open(RoomcastClient client, HttpClient http, URI uri, Duration timeout) {
    Link link = new Link(client);
    return http.newWebSocketBuilder()
        .subprotocols(SUBPROTOCOL)
        .connectTimeout(timeout)
        .buildAsync(uri, link)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(ws -> link);
  }

  /** Queues one binary message behind the previous send. */
  synchronized CompletableFuture<Void> send(byte[] message) {
    WebSocket ws = socket;
    if (ws == null || closed.isDone()) return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
    CompletableFuture<Void> next = lastSend.handle((v, e) -> null)
        .thenCompose(v -> ws.sendBinary(ByteBuffer.wrap(message), true)).thenApply(w -> null);
    lastSend = next;
    return next;
  }

  /** Closes normally; a server that does not answer within a few seconds is cut off. */
  synchronized void close() {
    WebSocket ws = socket;
    if (ws == null) return;
    lastSend.handle((v, e) -> null).thenCompose(v -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye"))
        .orTimeout(5, TimeUnit.SECONDS)
        .whenComplete((v, e) -> {
          if (e != null) ws.abort();
        });
    closed.orTimeout(5, TimeUnit.SECONDS).whenComplete((how, e) -> ws.abort());
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    socket = webSocket;
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    partial.writeBytes(chunk);
    if (last) {
      byte[] message = partial.toByteArray();
      partial.reset();
      try {
        for (ServerFrame f : BinaryFrames.decode(ByteBuffer.wrap(message), ServerFrame.parser(), Integer.MAX_VALUE)) {
          if (f.hasDisconnect()) advice = f.getDisconnect();
          client.onFrame(this, f);
        }
      } catch (MalformedFrameException e) {
        webSocket.sendClose(1002, "undecodable server frame");
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    Disconnect d = advice;
    boolean again = d != null ? d.getReconnect() : statusCode != WebSocket.NORMAL_CLOSURE;
    closed.complete(new ClosedBy(statusCode, reason, again, d == null ? 0 : d.getRetryAfterMs()));
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(new ClosedBy(1006, String.valueOf(error), true));
  }
}
