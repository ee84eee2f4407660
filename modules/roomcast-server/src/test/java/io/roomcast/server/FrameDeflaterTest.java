package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Connection;
import io.roomcast.core.Disconnect;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.Node;
import io.roomcast.core.NodeConfig;
import io.roomcast.core.NodeSecurity;
import io.roomcast.core.Scheduler;
import io.roomcast.core.Session;
import io.roomcast.core.WireFrame;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared permessage-deflate: a broadcast compressed once per node and wire format however many
 * subscribers send it, a session's own frames sent stored, and messages that mix both inflate as a
 * client inflates them. Through a real node, on I/O threads the test runs by hand.
 */
class FrameDeflaterTest {
  private final FrameDeflater deflater = new FrameDeflater(6, 256);
  private final Io ioA = new Io();
  private final Io ioB = new Io();
  private final Node node = Node.start(NodeConfig.defaults("deflate"), new MemoryBroker(), new SimpleMeterRegistry(),
      NodeSecurity.open(), new StillTime());

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aBroadcastFrameIsCompressedOnceForAllItsSubscribersAndBatchesMixCompressedAndStoredFrames() {
    Client publisher = new Client(ioA, WireFormat.PROTO, null);
    List<Client> readers = List.of(new Client(ioA, WireFormat.PROTO, deflater), new Client(ioB, WireFormat.PROTO, deflater),
        new Client(ioB, WireFormat.JSON, deflater));
    for (Client r : readers) r.send(ClientFrame.newBuilder().setId(1).setSubscribe(Subscribe.newBuilder().setRoom("feed")).build());
    settle();
    String big = "price of tea in china ".repeat(100);

    publisher.publish(big);

    for (Client r : readers) assertThat(r.texts()).containsExactly(big);
    assertThat(deflater.compressions()).isEqualTo(2); // once for the proto readers, once for the JSON one
    for (Client r : readers) assertThat(r.compressedBatches).containsExactly(1);

    Client slow = readers.get(1);
    slow.stalled = true;
    publisher.publish("small"); // goes plain, and the write stalls
    assertThat(slow.texts()).hasSize(2);
    publisher.publish(big + "2");
    publisher.publish("small 2");
    slow.resume();
    settle();

    assertThat(slow.texts()).containsExactly(big, "small", big + "2", "small 2");
    assertThat(slow.compressedBatches).containsExactly(1, 2); // a compressed frame and a stored one in one message
    assertThat(deflater.compressions()).isEqualTo(4);
  }

  @Test
  void aMessageOfOnlySmallOrOwnFramesGoesPlain() {
    byte[] big = "abcabcabc".repeat(100).getBytes(StandardCharsets.US_ASCII);
    assertThat(deflater.message(List.of(WireFrame.shared(new byte[] {1, 2, 3})))).isNull(); // under minBytes
    assertThat(deflater.message(List.of(WireFrame.own(big)))).isNull(); // a reply: never compressed
    assertThat(deflater.compressions()).isZero();
  }

  @Test
  void aSharedFrameIsCompressedOnceWhateverTheMessagesItGoesIn() {
    WireFrame shared = WireFrame.shared("xyzxyzxyz".repeat(100).getBytes(StandardCharsets.US_ASCII));
    byte[] own = "a reply".getBytes(StandardCharsets.US_ASCII);

    byte[] alone = inflate(deflater.message(List.of(shared)));
    byte[] mixed = inflate(deflater.message(List.of(WireFrame.own(own), shared)));

    assertThat(alone).isEqualTo(shared.bytes());
    assertThat(new String(mixed, StandardCharsets.US_ASCII)).isEqualTo("a reply" + "xyzxyzxyz".repeat(100));
    assertThat(deflater.compressions()).isEqualTo(1);
  }

  private void settle() {
    while (ioA.runAll() + ioB.runAll() > 0) { }
  }

  /** Inflates a message's pieces as a client does: appends 00 00 FF FF. */
  static byte[] inflate(List<byte[]> pieces) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : pieces) all.writeBytes(p);
    all.writeBytes(new byte[] {0, 0, (byte) 0xff, (byte) 0xff});
    Inflater inflater = new Inflater(true);
    inflater.setInput(all.toByteArray());
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = inflater.inflate(buf)) > 0) plain.write(buf, 0, n);
    } catch (DataFormatException e) {
      throw new AssertionError("a message that does not inflate", e);
    } finally {
      inflater.end();
    }
    return plain.toByteArray();
  }

  /** An I/O thread played by the test: tasks queue until it runs them. */
  private static final class Io implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    int runAll() {
      int n = 0;
      for (Runnable r; (r = tasks.poll()) != null; n++) r.run();
      return n;
    }
  }

  /** Time that never moves: nothing in these tests waits for it. */
  private static final class StillTime implements Scheduler {
    @Override public long nowMillis() { return 0; }
    @Override public Scheduled schedule(Runnable task, long delay, TimeUnit unit) { return () -> { }; }
  }

  /** A client whose connection writes the way {@link UndertowConnection#write} does, then inflates and decodes. */
  private final class Client implements Connection {
    private final Io io;
    private final WireFormat format;
    private final FrameDeflater shared;
    private final Session session;
    final List<ServerFrame> frames = new ArrayList<>();
    final List<Integer> compressedBatches = new ArrayList<>();
    boolean stalled;
    private WriteCompletion pending;

    Client(Io io, WireFormat format, FrameDeflater shared) {
      this.io = io;
      this.format = format;
      this.shared = shared;
      Session[] made = new Session[1];
      io.execute(() -> made[0] = node.accept(this));
      io.runAll();
      this.session = made[0];
    }

    void send(ClientFrame f) {
      if (format == WireFormat.PROTO) {
        io.execute(() -> session.onBinary(ByteBuffer.wrap(BinaryFrames.encode(f))));
      } else {
        io.execute(() -> session.onText(new String(JsonFrames.encode(f), StandardCharsets.UTF_8)));
      }
    }

    void publish(String text) {
      send(ClientFrame.newBuilder().setId(2).setPublish(Publish.newBuilder().setRoom("feed").setText(text)).build());
      settle();
    }

    List<String> texts() {
      return frames.stream().filter(ServerFrame::hasMessage).map(f -> f.getMessage().getText()).toList();
    }

    void resume() {
      stalled = false;
      WriteCompletion p = pending;
      pending = null;
      if (p != null) io.execute(() -> p.done(null));
    }

    @Override public Executor executor() { return io; }
    @Override public WireFormat format() { return format; }
    @Override public String remoteAddress() { return "test"; }
    @Override public void schedule(Runnable task, long delayMillis) { }
    @Override public void close(Disconnect disconnect, byte[] lastFrame) { }

    @Override
    public void write(List<WireFrame> wire, WriteCompletion done) {
      List<byte[]> pieces = shared == null ? null : shared.message(wire);
      int before = frames.size();
      if (pieces != null) {
        decode(inflate(pieces));
        compressedBatches.add(frames.size() - before);
      } else {
        for (WireFrame f : wire) decode(f.bytes());
      }
      if (stalled) {
        pending = done;
      } else {
        io.execute(() -> done.done(null));
      }
    }

    private void decode(byte[] b) {
      try {
        frames.addAll(format == WireFormat.PROTO
            ? BinaryFrames.decode(ByteBuffer.wrap(b), ServerFrame.parser(), Integer.MAX_VALUE)
            : JsonFrames.decode(new String(b, StandardCharsets.UTF_8), ServerFrame.getDefaultInstance(), Integer.MAX_VALUE));
      } catch (io.roomcast.protocol.MalformedFrameException e) {
        throw new AssertionError("an undecodable message", e);
      }
    }
  }
}
