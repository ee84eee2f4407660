package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;

/**
 * Undertow's WebSocket channel with two corrections for hostile peers: a frame whose header declares
 * more than the message limit is refused with 1009 as soon as the header is read (Undertow would
 * wait for the payload, so a 100 MB header held the connection), and a protocol violation closes
 * with 1002 as RFC 6455 says (Undertow answers 1003). Each is counted in
 * {@code roomcast.frames.malformed}.
 */
final class GuardedWebSocketChannel extends WebSocket13Channel {
  private static final Logger log = LoggerFactory.getLogger(GuardedWebSocketChannel.class);

  private final long maxFrameBytes;
  private final MeterRegistry registry;
  /** The frame header being read, across reads. Touched only on the I/O thread. */
  private PartialFrame partial;
  /** Whether a broken input was already counted here, so the receive listener does not count it again. */
  private volatile boolean counted;

  GuardedWebSocketChannel(StreamConnection channel, ByteBufferPool pool, String url, String subprotocol,
      boolean extensionsSupported, ExtensionFunction extensions, Set<WebSocketChannel> peers, OptionMap options,
      long maxFrameBytes, MeterRegistry registry) {
    super(channel, pool, url, subprotocol, false, extensionsSupported, extensions, peers, options);
    this.maxFrameBytes = maxFrameBytes;
    this.registry = registry;
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
