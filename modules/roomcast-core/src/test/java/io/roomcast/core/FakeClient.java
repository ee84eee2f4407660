package io.roomcast.core;

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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client of a {@link Node} over a {@link FakeConnection}, with the requests a test sends. Sending
 * only queues the message on the client's I/O thread; {@link #reply} runs the loop until nothing is
 * left to do and reads what came back. On real threads (no loop), {@link #reply} waits for the
 * write instead.
 */
final class FakeClient {
  final FakeConnection connection;
  final Executor io;
  /** The stepped world this client lives in; null for a client on a real thread. */
  private final TestLoop loop;
  private final AtomicInteger ids = new AtomicInteger();
  volatile Session session;

  /** A client on one of {@code loop}'s I/O threads; accepted (and greeted) before this returns. */
  FakeClient(Node node, TestLoop loop, TestLoop.Io io, WireFormat format) {
    this.io = io;
    this.loop = loop;
    this.connection = new FakeConnection(io, format, loop);
    io.execute(() -> session = node.accept(connection));
    loop.settle();
  }

  /** A client on a real thread, with {@code timers} for its heartbeat; accepted before this returns. */
  FakeClient(Node node, Executor io, WireFormat format, Scheduler timers) {
    this.io = io;
    this.loop = null;
    this.connection = new FakeConnection(io, format, timers);
    io.execute(() -> session = node.accept(connection));
    connection.awaitUntil(() -> !connection.frames.isEmpty());
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

  /** Queues {@code frame} on the client's I/O thread, encoded for its format. */
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

  /** The reply to request {@code id}, after running everything queued; fails when there is none. */
  ServerFrame reply(int id) {
    if (loop == null) {
      connection.awaitUntil(() -> find(id).isPresent());
    } else {
      loop.settle();
    }
    return find(id).orElseThrow(() -> new AssertionError("no reply to request " + id + "; frames: " + connection.frames));
  }

  private Optional<ServerFrame> find(int id) {
    return connection.frames.stream().filter(f -> f.hasId() && f.getId() == id).findFirst();
  }

  /** Publishes and returns the ack, after running everything queued. */
  ServerFrame published(String room, String text) {
    ServerFrame r = reply(publish(room, text));
    if (!r.hasAck()) throw new AssertionError("publish to " + room + " answered " + r);
    return r;
  }

  void subscribed(String room) {
    ServerFrame reply = reply(subscribe(room));
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
