package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.undertow.connector.ByteBufferPool;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.extensions.CompositeExtensionFunction;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.Set;
import org.xnio.StreamConnection;

/** Undertow's version 13 handshake, making {@link GuardedWebSocketChannel}s instead of plain ones. */
final class GuardedHandshake extends Hybi13Handshake {
  private final long maxFrameBytes;
  private final MeterRegistry registry;

  GuardedHandshake(Set<String> subprotocols, long maxFrameBytes, MeterRegistry registry) {
    super(subprotocols, false);
    this.maxFrameBytes = maxFrameBytes;
    this.registry = registry;
  }

  @Override
  public WebSocketChannel createChannel(WebSocketHttpExchange exchange, StreamConnection channel, ByteBufferPool pool) {
    var extensions = initExtensions(exchange); // as Hybi13Handshake does
    return new GuardedWebSocketChannel(channel, pool, getWebSocketLocation(exchange),
        exchange.getResponseHeader("Sec-WebSocket-Protocol"), !extensions.isEmpty(),
        CompositeExtensionFunction.compose(extensions), exchange.getPeerConnections(), exchange.getOptions(),
        maxFrameBytes, registry);
  }
}
