package io.roomcast.core;

import io.roomcast.protocol.WireFormat;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The transport's side of one client connection (a WebSocket in the server, a fake in tests). The
 * core calls it only from {@link #executor()}, and the transport calls the {@link Session} only
 * from there too, so a session needs no locks.
 */
public interface Connection {
  /** The thread that owns this connection (in Undertow, its I/O thread). */
  Executor executor();

  WireFormat format();

  /** The client's address, for logs and limits. */
  String remoteAddress();

  /**
   * Writes {@code frames}, already encoded for {@link #format()}, as one WebSocket message. The core
   * never starts a write while another is in flight; {@code done} runs on {@link #executor()} once
   * the message has been handed to the socket (its argument is null) or has failed.
   */
  void write(List<byte[]> frames, WriteCompletion done);

  /**
   * The node's shared deflater when this connection negotiated permessage-deflate with compression
   * done once per node; null when messages go plain (or the transport compresses them itself).
   */
  default FrameDeflater deflater() {
    return null;
  }

  /**
   * As {@link #write}, but {@code pieces} are the payload of one message already compressed per
   * RFC 7692 (sent with RSV1 set). Called only when {@link #deflater()} is not null.
   */
  default void writeCompressed(List<byte[]> pieces, WriteCompletion done) {
    throw new UnsupportedOperationException("this connection did not negotiate permessage-deflate");
  }

  /**
   * Runs {@code task} on {@link #executor()} after {@code delayMillis}. Timers cost nothing while they
   * wait, so an idle connection costs no CPU between heartbeats.
   */
  void schedule(Runnable task, long delayMillis);

  /** Sends {@code lastFrame} (if not null) and a close frame with the disconnect's code, then closes. */
  void close(Disconnect disconnect, byte[] lastFrame);

  /** Completion of one {@link #write}. */
  @FunctionalInterface
  interface WriteCompletion {
    /** @param failure null when the write succeeded */
    void done(Throwable failure);
  }
}
