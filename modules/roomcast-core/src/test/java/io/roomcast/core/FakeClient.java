package io.roomcast.core;

import static org.awaitility.Awaitility.await;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.protocol.v1.Unsubscribe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/** A client of a {@link Node} over a {@link FakeConnection}, with the requests a test sends. */
final class FakeClient {
  // Generous: CI runs these on a busy 2-core machine; a passing test never waits this long.
  static final Duration WAIT = Duration.ofSeconds(20);

  /** Awaitility, polling often: replies arrive in microseconds here. */
  static org.awaitility.core.ConditionFactory waiting() {
    return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  final FakeConnection connection;
  final Executor io;
  private final AtomicInteger ids = new AtomicInteger();
  volatile Session session;

  FakeClient(Node node, Executor io, WireFormat format) {
    this(node, io, format, null);
  }

  /** A client that negotiated permessage-deflate with the node's shared {@code deflater} (null: plain). */
  FakeClient(Node node, Executor io, WireFormat format, FrameDeflater deflater) {
    this.io = io;
    this.connection = new FakeConnection(io, format).deflating(deflater);
    io.execute(() -> session = node.accept(connection));
    waiting().until(() -> session != null);
  }

  int subscribe(String room) {
    int id = ids.incrementAndGet();
    send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom(room)).build());
    return id;
  }

  int unsubscribe(String room) {
    int id = ids.incrementAndGet();
    send(ClientFrame.newBuilder().setId(id).setUnsubscribe(Unsubscribe.newBuilder().setRoom(room)).build());
    return id;
  }

  int publish(String room, String text) {
    int id = ids.incrementAndGet();
    send(ClientFrame.newBuilder().setId(id).setPublish(Publish.newBuilder().setRoom(room).setText(text)).build());
    return id;
  }

  void send(ClientFrame frame) {
    if (connection.format() == WireFormat.PROTO) {
      sendBinary(BinaryFrames.encode(frame));
    } else {
      sendText(new String(JsonFrames.encode(frame), StandardCharsets.UTF_8));
    }
  }

  void sendBinary(byte[] bytes) {
    io.execute(() -> session.onBinary(ByteBuffer.wrap(bytes)));
  }

  void sendText(String text) {
    io.execute(() -> session.onText(text));
  }

  /** Waits for the reply to request {@code id} and returns it. */
  ServerFrame awaitReply(int id) {
    return waiting().until(
        () -> connection.frames.stream().filter(f -> f.hasId() && f.getId() == id).findFirst().orElse(null),
        f -> f != null);
  }

  void awaitSubscribed(String room) {
    int id = subscribe(room);
    ServerFrame reply = awaitReply(id);
    if (!reply.hasSubscribed()) throw new AssertionError("subscribe to " + room + " answered " + reply);
  }

  List<String> texts(String room) {
    return connection.framesOf(ServerFrame.KindCase.MESSAGE).stream()
        .filter(f -> f.getMessage().getRoom().equals(room))
        .map(f -> f.getMessage().getText()).toList();
  }

  List<Long> offsets(String room) {
    return connection.framesOf(ServerFrame.KindCase.MESSAGE).stream()
        .filter(f -> f.getMessage().getRoom().equals(room))
        .map(f -> f.getMessage().getOffset()).toList();
  }
}
