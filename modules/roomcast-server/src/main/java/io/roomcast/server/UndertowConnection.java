package io.roomcast.server;

import io.roomcast.core.Connection;
import io.roomcast.core.Disconnect;
import io.roomcast.core.WireFrame;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.extensions.ExtensionFunction;
import java.io.IOException;
import org.xnio.ChannelListeners;
import io.roomcast.protocol.WireFormat;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;

/** A client's WebSocket, as the core sees it. Lives on the channel's I/O thread. */
final class UndertowConnection implements Connection {
  private final WebSocketChannel channel;
  private final XnioIoThread ioThread;
  private final WireFormat format;
  private final String remoteAddress;
  private final Duration closeTimeout;
  /** The node's shared deflater if this client negotiated permessage-deflate in the shared mode; else null. */
  private final FrameDeflater deflater;
  /** The channel when messages go straight to its socket ({@link GuardedWebSocketChannel#writeMessage}); null: through Undertow. */
  private final GuardedWebSocketChannel lean;
  /**
   * Whether the upgrade has finished with the socket: onConnect runs inside the HTTP response's
   * flush, which still owns the sink's listeners, so messages written from there (the connected
   * frame) wait for the I/O thread's next task, where the lean path starts (a frame channel of
   * Undertow's for that one frame cost a tenth of a connect's CPU). I/O thread only.
   */
  private boolean upgraded;

  /**
   * @param remoteAddress the client's address after trusted proxies, for logs
   * @param deflater the node's shared deflater if the client negotiated permessage-deflate that way; else null
   */
  UndertowConnection(WebSocketChannel channel, WireFormat format, Duration closeTimeout, String remoteAddress,
      FrameDeflater deflater) {
    this.channel = channel;
    this.ioThread = channel.getIoThread();
    this.format = format;
    this.remoteAddress = remoteAddress != null ? remoteAddress : String.valueOf(channel.getSourceAddress());
    this.closeTimeout = closeTimeout;
    this.deflater = deflater;
    this.lean = channel instanceof GuardedWebSocketChannel g && LEAN_WRITES && !perConnectionDeflate(channel) ? g : null;
    if (lean != null) ioThread.execute(() -> upgraded = true);
  }

  /** Whether messages are framed here and written straight to the socket (true unless {@code -Droomcast.lean-writes=false}). */
  static final boolean LEAN_WRITES = Boolean.parseBoolean(System.getProperty("roomcast.lean-writes", "true"));

  /** Undertow compresses each message of this channel itself (context takeover), so it must frame them too. */
  private static boolean perConnectionDeflate(WebSocketChannel channel) {
    return channel.getExtensionFunction() instanceof Deflate.Function f && !f.sharedMode();
  }

  @Override
  public Executor executor() {
    return ioThread;
  }

  @Override
  public WireFormat format() {
    return format;
  }

  @Override
  public String remoteAddress() {
    return remoteAddress;
  }

  /**
   * Sends {@code wire} as one message: compressed (RFC 7692) when this client negotiated the shared
   * permessage-deflate and some frame in it compresses, else plain.
   */
  @Override
  public void write(List<WireFrame> wire, WriteCompletion done) {
    if (lean != null && !upgraded) {
      // Written from onConnect (the connected frame): it waits for the task that ends the upgrade,
      // queued before it, then takes the lean path instead of a frame channel of Undertow's.
      ioThread.execute(() -> write(wire, done));
      return;
    }
    List<byte[]> pieces = deflater != null ? deflater.message(wire) : null;
    if (lean != null) {
      ByteBuffer frame = ServerFrames.frame(format.binary() ? ServerFrames.OPCODE_BINARY : ServerFrames.OPCODE_TEXT,
          pieces != null, pieces != null ? pieces : bytesOf(wire));
      if (lean.writeMessage(frame, done)) return;
      // Undertow has frames of its own waiting for the socket: this message goes behind them, through it.
    }
    if (pieces != null) {
      writeCompressed(pieces, done);
    } else {
      writePlain(bytesOf(wire), done);
    }
  }

  /** The frames' bytes as a view, not a copy: this runs once per write, on the delivery path. */
  private static List<byte[]> bytesOf(List<WireFrame> wire) {
    return new java.util.AbstractList<>() {
      @Override
      public byte[] get(int i) {
        return wire.get(i).bytes();
      }

      @Override
      public int size() {
        return wire.size();
      }
    };
  }

  private void writePlain(List<byte[]> frames, WriteCompletion done) {
    WebSocketCallback<Void> callback = callback(done);
    PooledByteBuffer pooled = gather(frames);
    if (pooled != null) { // the usual case: one copy, into a pooled direct buffer the socket writes from
      if (format.binary()) {
        WebSockets.sendBinary(pooled, channel, callback);
      } else {
        WebSockets.sendText(pooled, channel, callback);
      }
    } else if (format.binary()) {
      ByteBuffer[] buffers = new ByteBuffer[frames.size()];
      for (int i = 0; i < buffers.length; i++) buffers[i] = ByteBuffer.wrap(frames.get(i));
      WebSockets.sendBinary(buffers, channel, callback); // one message, gathered from the shared arrays
    } else {
      WebSockets.sendText(ByteBuffer.wrap(concat(frames)), channel, callback);
    }
  }

  /**
   * The frames copied into one buffer of the channel's pool (direct, so the socket writes it without
   * another copy), or null when they do not fit in one.
   */
  private PooledByteBuffer gather(List<byte[]> frames) {
    int size = 0;
    for (byte[] f : frames) size += f.length;
    ByteBufferPool pool = channel.getBufferPool();
    if (size > pool.getBufferSize()) return null;
    PooledByteBuffer pooled = pool.allocate();
    ByteBuffer b = pooled.getBuffer();
    b.clear();
    for (byte[] f : frames) b.put(f);
    b.flip();
    return pooled;
  }

  /**
   * Sends one message already compressed per RFC 7692: the frame channel gets RSV1, and the
   * extension function ({@link Deflate.Function}, shared mode) lets the bytes through as they are.
   */
  private void writeCompressed(List<byte[]> pieces, WriteCompletion done) {
    WebSocketCallback<Void> callback = callback(done);
    try {
      StreamSinkFrameChannel sink = channel.send(format.binary() ? WebSocketFrameType.BINARY : WebSocketFrameType.TEXT);
      sink.setRsv(ExtensionFunction.RSV1);
      PooledByteBuffer pooled = gather(pieces);
      if (!sink.send(pooled != null ? pooled : new ImmediatePooledByteBuffer(ByteBuffer.wrap(concat(pieces))))) {
        throw new IOException("the frame channel refused the message");
      }
      sink.shutdownWrites();
      if (sink.flush()) {
        callback.complete(channel, null);
        return;
      }
      sink.getWriteSetter().set(ChannelListeners.flushingChannelListener(ch -> {
        ch.getWriteSetter().set(null);
        callback.complete(channel, null);
      }, (ch, e) -> {
        ch.getWriteSetter().set(null);
        callback.onError(channel, null, e);
      }));
      sink.resumeWrites();
    } catch (IOException e) {
      callback.onError(channel, null, e);
    }
  }

  private WebSocketCallback<Void> callback(WriteCompletion done) {
    return new WebSocketCallback<>() {
      @Override
      public void complete(WebSocketChannel ch, Void context) {
        onIoThread(() -> done.done(null));
      }

      @Override
      public void onError(WebSocketChannel ch, Void context, Throwable failure) {
        IoUtils.safeClose(ch);
        onIoThread(() -> done.done(failure));
      }
    };
  }

  @Override
  public void schedule(Runnable task, long delayMillis) {
    ioThread.executeAfter(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close(Disconnect disconnect, byte[] lastFrame) {
    if (lastFrame != null) {
      if (format.binary()) {
        WebSockets.sendBinary(ByteBuffer.wrap(lastFrame), channel, null);
      } else {
        WebSockets.sendText(ByteBuffer.wrap(lastFrame), channel, null);
      }
    }
    WebSockets.sendClose(disconnect.code(), disconnect.reason(), channel, null);
    cutAfterTimeout(channel, closeTimeout);
  }

  /** A peer that never answers the close frame (or never reads) is cut after the timeout. */
  static void cutAfterTimeout(WebSocketChannel channel, Duration timeout) {
    channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void onIoThread(Runnable task) {
    if (Thread.currentThread() == ioThread) {
      task.run();
    } else {
      ioThread.execute(task);
    }
  }

  private static byte[] concat(List<byte[]> frames) {
    if (frames.size() == 1) return frames.get(0);
    int size = 0;
    for (byte[] f : frames) size += f.length;
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] f : frames) {
      System.arraycopy(f, 0, out, at, f.length);
      at += f.length;
    }
    return out;
  }
}
