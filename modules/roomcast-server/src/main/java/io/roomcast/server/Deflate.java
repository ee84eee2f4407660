package io.roomcast.server;

import io.roomcast.core.Disconnect;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.WebSocketExtension;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.extensions.ExtensionHandshake;
import io.undertow.websockets.extensions.PerMessageDeflateFunction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * permessage-deflate for Undertow. In the shared mode (no context takeover) the extension function
 * compresses nothing itself: {@link UndertowConnection#write} sends messages whose room messages
 * were compressed once per node ({@link FrameDeflater}, in each frame's slot) with RSV1 set; every
 * other message leaves plain (RSV1 clear), which RFC 7692 allows. In the per-connection mode
 * Undertow's own {@link PerMessageDeflateFunction} compresses every message. In both, incoming
 * messages are inflated here with a cap: one that inflates past the node's largest message is
 * refused with close 1009 before it can take more memory (a decompression bomb).
 */
final class Deflate implements ExtensionHandshake {
  static final String NAME = "permessage-deflate";

  private final DeflateSettings settings;
  private final long maxInflatedBytes;
  /** The node's shared deflater (shared mode), or null (per-connection mode). */
  private final FrameDeflater shared;

  Deflate(DeflateSettings settings, long maxInflatedBytes) {
    this.settings = settings;
    this.maxInflatedBytes = maxInflatedBytes;
    this.shared = settings.contextTakeover() ? null : new FrameDeflater(settings.level(), settings.minBytes());
  }

  /** The deflater whose output every shared-mode connection sends; null in the per-connection mode. */
  FrameDeflater shared() {
    return shared;
  }

  @Override
  public String getName() {
    return NAME;
  }

  /**
   * Accepts an offer the node can honour. Shared mode always answers server_no_context_takeover (RFC
   * 7692 7.1.1.1 lets a server add it). Compression uses a 32 KiB window, so an offer that limits
   * the server's window below 15 bits is declined, and so, in the per-connection mode, is
   * server_no_context_takeover (Undertow's function cannot be told per connection).
   */
  @Override
  public WebSocketExtension accept(WebSocketExtension offer) {
    if (offer == null || !NAME.equals(offer.getName())) return null;
    WebSocketExtension answer = new WebSocketExtension(NAME);
    if (shared != null) answer.getParameters().add(new WebSocketExtension.Parameter("server_no_context_takeover", null));
    for (WebSocketExtension.Parameter p : offer.getParameters()) {
      switch (p.getName()) {
        case "server_no_context_takeover" -> {
          if (shared == null) return null;
        }
        case "client_no_context_takeover" -> answer.getParameters().add(p); // our inflater copes either way
        case "server_max_window_bits" -> {
          if (p.getValue() == null || !p.getValue().replace("\"", "").trim().equals("15")) return null;
          answer.getParameters().add(p);
        }
        case "client_max_window_bits" -> { } // the client may use any window: ours is the largest
        default -> {
          return null;
        }
      }
    }
    return answer;
  }

  @Override
  public boolean isIncompatible(List<ExtensionHandshake> extensions) {
    for (ExtensionHandshake e : extensions) if (e != this && NAME.equals(e.getName())) return true;
    return false;
  }

  @Override
  public ExtensionFunction create() {
    return new Function(shared == null ? new PerMessageDeflateFunction(settings.level(), true, true) : null, maxInflatedBytes);
  }

  /** One connection's side of the extension. Runs on its I/O thread. */
  static final class Function implements ExtensionFunction {
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    /** Undertow's compressor in the per-connection mode; null in the shared mode. */
    private final PerMessageDeflateFunction perConnection;
    private final long maxInflatedBytes;
    /** Keeps the client's context between messages (harmless when the client resets its own). */
    private final Inflater inflater = new Inflater(true);
    /** Bytes inflated so far of the message being read. */
    private long inflated;

    Function(PerMessageDeflateFunction perConnection, long maxInflatedBytes) {
      this.perConnection = perConnection;
      this.maxInflatedBytes = maxInflatedBytes;
    }

    boolean sharedMode() {
      return perConnection == null;
    }

    @Override
    public boolean hasExtensionOpCode() {
      return false;
    }

    @Override
    public int writeRsv(int rsv) {
      return perConnection != null ? perConnection.writeRsv(rsv) : rsv; // shared: set per message by the sender
    }

    @Override
    public PooledByteBuffer transformForWrite(PooledByteBuffer buffer, StreamSinkFrameChannel channel, boolean lastFrame) throws IOException {
      return perConnection != null ? perConnection.transformForWrite(buffer, channel, lastFrame) : buffer;
    }

    @Override
    public PooledByteBuffer transformForRead(PooledByteBuffer buffer, StreamSourceFrameChannel channel, boolean lastFragmentOfMessage)
        throws IOException {
      if ((channel.getRsv() & RSV1) == 0) return buffer; // this message came uncompressed
      try {
        ByteBuffer in = buffer.getBuffer();
        byte[] input = new byte[in.remaining()];
        in.get(input);
        ByteBuffer out = ByteBuffer.allocate(Math.max(1024, input.length * 4));
        out = inflate(input, out, channel);
        if (lastFragmentOfMessage) {
          out = inflate(TAIL, out, channel);
          inflated = 0;
        }
        out.flip();
        return new ImmediatePooledByteBuffer(out);
      } finally {
        buffer.close();
      }
    }

    private ByteBuffer inflate(byte[] input, ByteBuffer out, StreamSourceFrameChannel channel) throws IOException {
      inflater.setInput(input);
      try {
        while (!inflater.needsInput() && !inflater.finished()) {
          if (!out.hasRemaining()) {
            ByteBuffer larger = ByteBuffer.allocate(out.capacity() * 2);
            out.flip();
            out = larger.put(out);
          }
          int n = inflater.inflate(out.array(), out.arrayOffset() + out.position(), out.remaining());
          out.position(out.position() + n);
          inflated += n;
          if (inflated > maxInflatedBytes) {
            // A decompression bomb, or just too big: refuse it before it takes more memory.
            WebSockets.sendClose(Disconnect.TOO_BIG.code(), Disconnect.TOO_BIG.reason(), channel.getWebSocketChannel(), null);
            throw new IOException("a compressed message inflates past " + maxInflatedBytes + " bytes");
          }
        }
      } catch (DataFormatException e) {
        throw new IOException("bad compressed payload: " + e.getMessage(), e);
      }
      return out;
    }

    @Override
    public void dispose() {
      inflater.end();
      if (perConnection != null) perConnection.dispose();
    }
  }
}
