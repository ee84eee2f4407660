package io.roomcast.client;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.ServerFrame;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

/**
 * A WebSocket server that answers client frames as a test script says, to show what the client does
 * with behaviour a real node never has. Frames the client sent are kept in {@link #received}.
 */
final class ScriptedNode implements AutoCloseable {
  final BlockingQueue<ClientFrame> received = new LinkedBlockingQueue<>();
  private final Undertow server;
  /** The script: given each client frame and a way to answer. */
  private final BiConsumer<ClientFrame, java.util.function.Consumer<ServerFrame>> script;
  /** Open connections, oldest first. */
  private final List<WebSocketChannel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** How many connections were accepted. */
  final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

  ScriptedNode(BiConsumer<ClientFrame, java.util.function.Consumer<ServerFrame>> script) {
    this(script, (n, push) -> { });
  }

  /**
   * @param onConnect told each new connection's number (1, 2, ...) and a way to push frames on it,
   *     before the client's first frame is read (e.g. the node's own subscriptions at connect)
   */
  ScriptedNode(BiConsumer<ClientFrame, java.util.function.Consumer<ServerFrame>> script,
      BiConsumer<Integer, java.util.function.Consumer<ServerFrame>> onConnect) {
    this.script = script;
    server = Undertow.builder().addHttpListener(0, "127.0.0.1")
        .setHandler(Handlers.websocket((exchange, channel) -> {
          channels.add(channel);
          onConnect.accept(connections.incrementAndGet(),
              push -> WebSockets.sendBinary(ByteBuffer.wrap(BinaryFrames.encode(push)), channel, null));
          channel.getReceiveSetter().set(new AbstractReceiveListener() {
            @Override
            protected void onFullBinaryMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
              try {
                ByteBuffer data = WebSockets.mergeBuffers(message.getData().getResource());
                List<ClientFrame> frames = BinaryFrames.decode(data, ClientFrame.parser(), 100);
                for (ClientFrame f : frames) {
                  received.add(f);
                  ScriptedNode.this.script.accept(f, reply -> WebSockets.sendBinary(ByteBuffer.wrap(BinaryFrames.encode(reply)), ch, null));
                }
              } catch (MalformedFrameException e) {
                throw new AssertionError(e);
              } finally {
                message.getData().free();
              }
            }
          });
          channel.resumeReceives();
        }))
        .build();
    server.start();
  }

  URI uri() {
    int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  /** Cuts every open connection without a close handshake, as a dying node would. */
  void cutAll() {
    for (WebSocketChannel ch : channels) {
      channels.remove(ch);
      org.xnio.IoUtils.safeClose(ch);
    }
  }

  @Override
  public void close() {
    server.stop();
  }
}
