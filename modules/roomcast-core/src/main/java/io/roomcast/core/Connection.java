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
   * the message has been handed to the socket (its argument is null) or has failed. What the wire
   * adds (permessage-deflate, say) is the transport's: a {@link WireFrame#shared() shared} frame
   * carries a slot for its form, made once per node.
   */
  void write(List<WireFrame> frames, WriteCompletion done);

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
