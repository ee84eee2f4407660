package io.roomcast.server;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A server's WebSocket message as one unfragmented frame (RFC 6455 5.2): FIN, RSV1 when the payload
 * is compressed (RFC 7692), the text or binary opcode, the payload length in 7, 16 or 64 bits, no
 * mask (a server never masks), then the payload. {@link GuardedWebSocketChannel#writeMessage} writes
 * it straight to the socket, which spares Undertow's frame channel per message.
 */
final class ServerFrames {
  static final int OPCODE_TEXT = 0x1;
  static final int OPCODE_BINARY = 0x2;
  /** The largest header: 2 bytes, then a 64-bit length. */
  static final int MAX_HEADER = 10;
  /** Messages up to this size are gathered into the I/O thread's own direct buffer (no allocation). */
  static final int SCRATCH_BYTES = 64 * 1024 + MAX_HEADER;

  /** One direct buffer per thread that writes (the I/O threads), reused by every message it writes whole. */
  private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));

  private ServerFrames() {}

  static int headerSize(long payloadLength) {
    return payloadLength < 126 ? 2 : payloadLength <= 0xffff ? 4 : 10;
  }

  /** Puts the header of a final, unmasked frame carrying {@code payloadLength} bytes. */
  static void putHeader(ByteBuffer out, int opcode, boolean rsv1, long payloadLength) {
    out.put((byte) (0x80 | (rsv1 ? 0x40 : 0) | opcode));
    if (payloadLength < 126) {
      out.put((byte) payloadLength);
    } else if (payloadLength <= 0xffff) {
      out.put((byte) 126).putShort((short) payloadLength);
    } else {
      out.put((byte) 127).putLong(payloadLength);
    }
  }

  /**
   * The whole frame, header then {@code pieces} in order, flipped for reading: in this thread's
   * scratch buffer (valid until the thread's next call) when it fits, else in a heap buffer of its own.
   */
  static ByteBuffer frame(int opcode, boolean rsv1, List<byte[]> pieces) {
    long length = 0;
    for (int i = 0, n = pieces.size(); i < n; i++) length += pieces.get(i).length;
    long size = headerSize(length) + length;
    ByteBuffer out;
    if (size <= SCRATCH_BYTES) {
      out = SCRATCH.get();
      out.clear();
    } else {
      out = ByteBuffer.allocate(Math.toIntExact(size));
    }
    putHeader(out, opcode, rsv1, length);
    for (int i = 0, n = pieces.size(); i < n; i++) out.put(pieces.get(i));
    return out.flip();
  }
}
