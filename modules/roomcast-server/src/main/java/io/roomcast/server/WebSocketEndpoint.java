package io.roomcast.server;

import io.roomcast.core.Disconnect;
import io.roomcast.core.MetricNames;
import io.roomcast.core.Node;
import io.roomcast.core.Principal;
import io.roomcast.core.Session;
import io.roomcast.protocol.WireFormat;
import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.xnio.IoUtils;
import org.xnio.Pooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands each upgraded WebSocket to the node and feeds it the client's messages. */
final class WebSocketEndpoint implements WebSocketConnectionCallback {
  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);

  private final Node node;
  private final MeterRegistry registry;
  private final Duration closeTimeout;
  /** The node's shared deflater for clients that negotiate permessage-deflate, or null (off, or per connection). */
  private final FrameDeflater deflater;
  /** Recognises the node's own warm-up connections; null: none. */
  private final Warmup warmup;

  WebSocketEndpoint(Node node, MeterRegistry registry, Duration closeTimeout, FrameDeflater deflater, Warmup warmup) {
    this.node = node;
    this.registry = registry;
    this.closeTimeout = closeTimeout;
    this.deflater = deflater;
    this.warmup = warmup;
  }

  /** Runs on the channel's I/O thread, which owns the session from now on. */
  @Override
  public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
    String chosen = exchange.getResponseHeader("Sec-WebSocket-Protocol");
    WireFormat format = chosen == null ? WireFormat.PROTO : WireFormat.forSubprotocol(chosen).orElse(WireFormat.PROTO);
    String client = exchange.getAttachment(HandshakeGuard.CLIENT_ADDRESS);
    boolean sharedDeflate = channel.getExtensionFunction() instanceof Deflate.Function f && f.sharedMode();
    UndertowConnection connection = new UndertowConnection(channel, format, closeTimeout, client, sharedDeflate ? deflater : null);
    // Behind the guard, the handshake's principal (null: a token is still due); without it, the node's anonymous one.
    Principal warming = warmup != null ? warmup.principalOf(exchange) : null;
    Session session = warming != null ? node.accept(connection, warming)
        : client != null ? node.accept(connection, exchange.getAttachment(HandshakeGuard.PRINCIPAL))
        : node.accept(connection);
    ConnectionLimiter.Slot slot = exchange.getAttachment(HandshakeGuard.SLOT);
    if (slot != null) channel.addCloseTask(ch -> slot.release());
    channel.addCloseTask(ch -> session.onClosed(ch.getCloseCode()));
    channel.getReceiveSetter().set(new Receiver(session, node.config().limits().maxMessageBytes()));
    channel.resumeReceives();
    UpgradeLeftovers.release(exchange); // everything above has read what it needs from the handshake
  }

  private final class Receiver extends AbstractReceiveListener {
    private final Session session;
    private final long maxMessageBytes;

    Receiver(Session session, long maxMessageBytes) {
      this.session = session;
      this.maxMessageBytes = maxMessageBytes;
    }

    // Undertow enforces these while reading, before buffering the message: above them it sends close 1009.
    @Override
    protected long getMaxBinaryBufferSize() {
      return maxMessageBytes;
    }

    @Override
    protected long getMaxTextBufferSize() {
      return maxMessageBytes;
    }

    @Override
    protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
      Pooled<ByteBuffer[]> data = message.getData();
      try {
        ByteBuffer[] parts = data.getResource();
        session.onBinary(parts.length == 1 ? parts[0] : WebSockets.mergeBuffers(parts));
      } finally {
        data.free();
      }
    }

    @Override
    protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
      message.getData().free();
      session.onPong();
    }

    @Override
    protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
      session.onText(message.getData());
    }

    @Override
    protected void onError(WebSocketChannel channel, Throwable error) {
      if (channel instanceof GuardedWebSocketChannel g && g.counted()) {
        UndertowConnection.cutAfterTimeout(channel, closeTimeout); // closed with its code and counted there
        return;
      }
      if (channel.isCloseFrameSent()) {
        // Undertow already sent close 1009 for a message over the limit: give the close frame time to leave.
        registry.counter(MetricNames.FRAMES_MALFORMED, "reason", "too_big").increment();
        log.debug("{} sent a message over {} bytes: closed with {}", channel.getSourceAddress(), maxMessageBytes,
            Disconnect.TOO_BIG.code());
        channel.setCloseCode(Disconnect.TOO_BIG.code());
        UndertowConnection.cutAfterTimeout(channel, closeTimeout);
        return;
      }
      log.debug("{}: {}", channel.getSourceAddress(), error.toString());
      IoUtils.safeClose(channel);
    }
  }
}
