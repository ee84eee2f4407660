package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Connection;
import io.roomcast.core.MetricNames;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.protocol.framed.FrameHeaderData;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketException;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.WebSocket13Channel;
import io.undertow.websockets.extensions.ExtensionFunction;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.StreamSinkChannel;

/**
 * Undertow's WebSocket channel with two corrections for hostile peers: a frame whose header declares
 * more than the message limit is refused with 1009 as soon as the header is read (Undertow would
 * wait for the payload, so a 100 MB header held the connection), and a protocol violation closes
 * with 1002 as RFC 6455 says (Undertow answers 1003). Each is counted in
 * {@code roomcast.frames.malformed}.
 *
 * <p>It also carries roomcast's lean write path ({@link #writeMessage}): a whole message, framed by
 * {@link ServerFrames}, written straight to the socket in one call, with no frame channel, priority
 * queue or listener per message. Undertow still writes its own frames (close, pong, and messages
 * sent through it) to the same socket; the two never interleave because both write under this
 * channel's lock, a raw message is written only when Undertow has nothing part-written (it keeps
 * the socket's writes resumed until its frames are out), and Undertow's flushes wait
 * ({@link #flushSenders}) while a raw message is part-written. Nothing is written raw once a close
 * frame was queued or received.
 */
final class GuardedWebSocketChannel extends WebSocket13Channel {
  private static final Logger log = LoggerFactory.getLogger(GuardedWebSocketChannel.class);

  private final long maxFrameBytes;
  private final MeterRegistry registry;
  /** The frame header being read, across reads. Touched only on the I/O thread. */
  private PartialFrame partial;
  /** Whether a broken input was already counted here, so the receive listener does not count it again. */
  private volatile boolean counted;
  /** The unsent rest of a message {@link #writeMessage} wrote part of; null when none. Guarded by this. */
  private ByteBuffer rawRest;
  /** The completion of that message. Guarded by this. */
  private Connection.WriteCompletion rawDone;
  /**
   * Whether Undertow's flush is running on this thread (its completions call back into the core,
   * which may write again): a raw write then goes through Undertow, whose flush would otherwise
   * suspend the socket's writes under a part-written raw message. Guarded by this.
   */
  private boolean undertowFlushing;

  GuardedWebSocketChannel(StreamConnection channel, ByteBufferPool pool, String url, String subprotocol,
      boolean extensionsSupported, ExtensionFunction extensions, Set<WebSocketChannel> peers, OptionMap options,
      long maxFrameBytes, MeterRegistry registry) {
    super(channel, pool, url, subprotocol, false, extensionsSupported, extensions, peers, options);
    this.maxFrameBytes = maxFrameBytes;
    this.registry = registry;
    addCloseTask(ch -> abandonRaw());
  }

  boolean counted() {
    return counted;
  }

  /**
   * WebSocketChannel.parseFrame, with the two corrections (its own copy of the partial frame, since
   * the parent's is private and unused now). Undertow's version 07 classes cast the header to their
   * own type, so it cannot be wrapped.
   */
  @Override
  protected FrameHeaderData parseFrame(ByteBuffer data) throws IOException {
    if (partial == null) partial = receiveFrame();
    try {
      partial.handle(data);
      if (partial.isDone() && partial.getFrameLength() > maxFrameBytes) {
        throw new FrameTooBigException(partial.getFrameLength(), maxFrameBytes);
      }
    } catch (FrameTooBigException e) {
      refuse("too_big", CloseMessage.MSG_TOO_BIG, "message too big", e);
      markReadsBroken(e);
      throw new IOException(e);
    } catch (WebSocketException e) {
      refuse("protocol_error", CloseMessage.PROTOCOL_ERROR, "protocol error", e);
      markReadsBroken(e);
      throw new IOException(e);
    }
    if (!partial.isDone()) return null;
    PartialFrame done = partial;
    partial = null;
    return done;
  }

  /**
   * Writes {@code frame} (a whole WebSocket frame, header included, e.g. from {@link ServerFrames})
   * to the socket now; {@code done} runs when the socket has taken all of it, at once if it takes it
   * in this call. Call on the I/O thread. The frame's bytes are copied before this returns if they
   * cannot all be written now, so the caller may reuse its buffer.
   *
   * @return false, having written nothing, when Undertow has bytes of its own waiting for the socket
   *     (or a raw message is still part-written): send the message through Undertow instead, which
   *     queues it behind them
   */
  boolean writeMessage(ByteBuffer frame, Connection.WriteCompletion done) {
    Throwable failure = null;
    synchronized (this) {
      StreamSinkChannel sink = getUnderlyingConnection().getSinkChannel();
      if (rawRest != null || undertowFlushing || sink.isWriteResumed()) return false;
      if (isCloseFrameSent() || isCloseFrameReceived() || isWritesBroken() || !sink.isOpen()) {
        failure = new ClosedChannelException(); // as Undertow refuses a message after a close frame
      } else {
        try {
          if (!push(sink, frame)) {
            rawRest = ByteBuffer.allocate(frame.remaining()).put(frame).flip();
            rawDone = done;
            sink.resumeWrites(); // the socket's write listener calls flushSenders, which goes on with it
            return true;
          }
        } catch (IOException e) {
          failure = e;
        }
      }
    }
    if (failure != null) IoUtils.safeClose(this);
    done.done(failure);
    return true;
  }

  /** Writes as much of {@code b} as the socket takes. @return true when all of it left (the conduits flushed too) */
  private static boolean push(StreamSinkChannel sink, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (sink.write(b) <= 0) return false;
    }
    return sink.flush();
  }

  /**
   * Undertow's flush of its own frames, run when the socket can take more: a part-written raw
   * message goes on first, and Undertow's frames follow only once it is out.
   */
  @Override
  protected void flushSenders() {
    Connection.WriteCompletion done;
    Throwable failure = null;
    synchronized (this) {
      if (rawRest == null) {
        undertowFlush();
        return;
      }
      StreamSinkChannel sink = getUnderlyingConnection().getSinkChannel();
      try {
        if (!push(sink, rawRest)) {
          sink.resumeWrites();
          return;
        }
      } catch (IOException e) {
        failure = e;
      }
      done = rawDone;
      rawRest = null;
      rawDone = null;
    }
    if (failure != null) {
      IoUtils.safeClose(this);
    } else {
      synchronized (this) {
        undertowFlush(); // what Undertow queued meanwhile (a pong, the close frame)
      }
    }
    complete(done, failure);
  }

  /** Undertow's own flush, flagged while it runs. Called holding this. */
  private void undertowFlush() {
    boolean outer = !undertowFlushing;
    undertowFlushing = true;
    try {
      super.flushSenders();
    } finally {
      if (outer) undertowFlushing = false;
    }
  }

  /** The channel closed: a part-written raw message fails. */
  private void abandonRaw() {
    Connection.WriteCompletion done;
    synchronized (this) {
      done = rawDone;
      rawRest = null;
      rawDone = null;
    }
    if (done != null) complete(done, new ClosedChannelException());
  }

  /** Runs {@code done} on the I/O thread (at once when already there), as the core expects. */
  private void complete(Connection.WriteCompletion done, Throwable failure) {
    if (Thread.currentThread() == getIoThread()) {
      done.done(failure);
    } else {
      getIoThread().execute(() -> done.done(failure));
    }
  }

  @Override
  protected void handleBrokenSourceChannel(Throwable e) {
    if (e instanceof UnsupportedEncodingException) count("invalid_utf8", e); // Undertow closes with 1007
    super.handleBrokenSourceChannel(e);
  }

  private void refuse(String reason, int code, String message, Throwable e) {
    count(reason, e);
    setCloseCode(code);
    WebSockets.sendClose(new CloseMessage(code, message).toByteBuffer(), this, null);
  }

  private void count(String reason, Throwable e) {
    counted = true;
    registry.counter(MetricNames.FRAMES_MALFORMED, "reason", reason).increment();
    log.debug("{}: {}: {}", getSourceAddress(), reason, e.getMessage());
  }

  /** A frame header that declares more than the node accepts. */
  static final class FrameTooBigException extends WebSocketException {
    FrameTooBigException(long length, long max) {
      super("frame of " + length + " bytes is over the limit of " + max);
    }
  }
}
