package io.roomcast.server;

import io.roomcast.core.Connection;
import io.roomcast.core.Disconnect;
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

  /** @param remoteAddress the client's address after trusted proxies, for logs */
  UndertowConnection(WebSocketChannel channel, WireFormat format, Duration closeTimeout, String remoteAddress) {
    this.channel = channel;
    this.ioThread = channel.getIoThread();
    this.format = format;
    this.remoteAddress = remoteAddress != null ? remoteAddress : String.valueOf(channel.getSourceAddress());
    this.closeTimeout = closeTimeout;
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

  @Override
  public void write(List<byte[]> frames, WriteCompletion done) {
    WebSocketCallback<Void> callback = new WebSocketCallback<>() {
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
    if (format.binary()) {
      ByteBuffer[] buffers = new ByteBuffer[frames.size()];
      for (int i = 0; i < buffers.length; i++) buffers[i] = ByteBuffer.wrap(frames.get(i));
      WebSockets.sendBinary(buffers, channel, callback); // one message, gathered from the shared arrays
    } else {
      WebSockets.sendText(ByteBuffer.wrap(concat(frames)), channel, callback);
    }
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
