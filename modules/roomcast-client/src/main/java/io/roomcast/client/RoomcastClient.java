package io.roomcast.client;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Pong;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.protocol.v1.Subscribed;
import io.roomcast.protocol.v1.Unsubscribe;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A roomcast client over the binary subprotocol: connect, subscribe with a listener per room,
 * publish with an ack, close. Thread-safe; listeners run on the client's receive thread and must
 * not block. Reconnection is the caller's business in this version.
 */
public final class RoomcastClient implements AutoCloseable {
  private static final String SUBPROTOCOL = "roomcast.v1.proto";

  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  /** Requests waiting for their reply, by id. */
  private final Map<Integer, CompletableFuture<ServerFrame>> pending = new ConcurrentHashMap<>();
  private final Map<String, Consumer<ReceivedMessage>> listeners = new ConcurrentHashMap<>();
  private final CompletableFuture<ClosedBy> closed;
  /** The last send; the JDK's WebSocket allows one outstanding send, so each waits for the previous. */
  private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

  private RoomcastClient(WebSocket socket, Receiver receiver) {
    this.socket = socket;
    this.closed = receiver.closed;
  }

  /** Connects to a node's WebSocket endpoint, e.g. {@code ws://localhost:8080/ws}. */
  public static RoomcastClient connect(URI uri) {
    return connect(uri, Duration.ofSeconds(10));
  }

  public static RoomcastClient connect(URI uri, Duration timeout) {
    Receiver receiver = new Receiver();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
        .subprotocols(SUBPROTOCOL)
        .connectTimeout(timeout)
        .buildAsync(uri, receiver)
        .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .join();
    RoomcastClient client = new RoomcastClient(ws, receiver);
    receiver.attach(client);
    return client;
  }

  /** Subscribes to {@code room}; completes with the room's position when the node confirms. */
  public CompletableFuture<Position> subscribe(String room, Consumer<ReceivedMessage> listener) {
    listeners.put(room, listener);
    return request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom(room)))
        .thenApply(f -> {
          Subscribed s = f.getSubscribed();
          return s.getPosition();
        })
        .whenComplete((p, e) -> {
          if (e != null) listeners.remove(room, listener);
        });
  }

  public CompletableFuture<Void> unsubscribe(String room) {
    return request(ClientFrame.newBuilder().setUnsubscribe(Unsubscribe.newBuilder().setRoom(room)))
        .thenRun(() -> listeners.remove(room));
  }

  /** Publishes text; completes with the message's offset in the room. */
  public CompletableFuture<Long> publish(String room, String text) {
    return publish(Publish.newBuilder().setRoom(room).setText(text));
  }

  /** Publishes bytes; completes with the message's offset in the room. */
  public CompletableFuture<Long> publish(String room, byte[] data) {
    return publish(Publish.newBuilder().setRoom(room).setData(ByteString.copyFrom(data)));
  }

  private CompletableFuture<Long> publish(Publish.Builder publish) {
    return request(ClientFrame.newBuilder().setPublish(publish)).thenApply(f -> f.getAck().getOffset());
  }

  /** Completes when the connection has closed, with how. */
  public CompletableFuture<ClosedBy> closed() {
    return closed;
  }

  /** Sends already-encoded bytes as one binary message: for tests of hostile input. */
  public CompletableFuture<Void> sendRaw(byte[] message) {
    return send(message);
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      send(null);
      closed.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    socket.abort();
  }

  private CompletableFuture<ServerFrame> request(ClientFrame.Builder frame) {
    int id = ids.incrementAndGet();
    CompletableFuture<ServerFrame> reply = new CompletableFuture<>();
    pending.put(id, reply);
    send(BinaryFrames.encode(frame.setId(id).build())).whenComplete((v, e) -> {
      if (e != null) fail(id, e);
    });
    return reply.thenApply(f -> {
      if (f.hasError()) throw new RoomcastException(f.getError().getCode(), f.getError().getMessage());
      return f;
    });
  }

  /** Queues a binary message (or, for null, a normal close) behind the previous send. */
  private synchronized CompletableFuture<Void> send(byte[] message) {
    CompletableFuture<Void> next = lastSend.handle((v, e) -> null).thenCompose(v -> message == null
        ? socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").thenApply(w -> (Void) null)
        : socket.sendBinary(ByteBuffer.wrap(message), true).thenApply(w -> (Void) null));
    lastSend = next;
    return next;
  }

  private void fail(int id, Throwable e) {
    CompletableFuture<ServerFrame> f = pending.remove(id);
    if (f != null) f.completeExceptionally(e);
  }

  private void onFrame(ServerFrame f) {
    if (f.hasId()) {
      CompletableFuture<ServerFrame> waiting = pending.remove(f.getId());
      if (waiting != null) waiting.complete(f);
      return;
    }
    switch (f.getKindCase()) {
      case MESSAGE -> {
        io.roomcast.protocol.v1.Message m = f.getMessage();
        Consumer<ReceivedMessage> listener = listeners.get(m.getRoom());
        if (listener == null) return;
        boolean text = m.getPayloadCase() == io.roomcast.protocol.v1.Message.PayloadCase.TEXT;
        byte[] payload = text ? m.getTextBytes().toByteArray() : m.getData().toByteArray();
        listener.accept(new ReceivedMessage(m.getRoom(), payload, text, m.getOffset(), m.getEpoch(), m.getTimeMs()));
      }
      case PING -> send(BinaryFrames.encode(ClientFrame.newBuilder().setPong(Pong.getDefaultInstance()).build()));
      default -> { } // connected, disconnect (its code arrives with the close), and frames of later versions
    }
  }

  private void onClosed(ClosedBy how) {
    RoomcastException gone = new RoomcastException(how.code(), "connection closed: " + how.reason());
    pending.values().forEach(f -> f.completeExceptionally(gone));
    pending.clear();
    closed.complete(how);
  }

  /** Reassembles messages and splits them into frames. Runs on the HttpClient's threads, one at a time. */
  private static final class Receiver implements WebSocket.Listener {
    final CompletableFuture<ClosedBy> closed = new CompletableFuture<>();
    /** Set right after the socket is built; frames before it wait in {@link #early}. */
    volatile RoomcastClient client;
    private final java.util.List<ServerFrame> early = new java.util.ArrayList<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    /** The advice of the last {@code disconnect} frame, if any. */
    private boolean reconnectAdvised;

    @Override
    public void onOpen(WebSocket webSocket) {
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
            if (f.hasDisconnect()) reconnectAdvised = f.getDisconnect().getReconnect();
            deliver(f);
          }
        } catch (MalformedFrameException e) {
          webSocket.sendClose(1002, "undecodable server frame");
        }
      }
      webSocket.request(1);
      return null;
    }

    /** From now on frames go to {@code c}; those that came before go first. */
    void attach(RoomcastClient c) {
      synchronized (early) {
        client = c;
        for (ServerFrame f : early) c.onFrame(f);
        early.clear();
      }
    }

    private void deliver(ServerFrame f) {
      RoomcastClient c = client;
      if (c == null) {
        synchronized (early) {
          if (client == null) {
            early.add(f);
            return;
          }
          c = client;
        }
      }
      c.onFrame(f);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      finish(new ClosedBy(statusCode, reason, reconnectAdvised));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      finish(new ClosedBy(1006, String.valueOf(error), true));
    }

    private void finish(ClosedBy how) {
      RoomcastClient c = client;
      if (c != null) {
        c.onClosed(how);
      } else {
        closed.complete(how);
      }
    }
  }
}
