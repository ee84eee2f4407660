package io.roomcast.bench;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.Subscribe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The little of WebSocket and of the roomcast protocol a benchmark client needs, written by hand so
 * that a client costs far less CPU per message than the node it measures: the handshake, masked
 * client frames, and a scan of server frames that finds each message's send time without parsing it.
 */
final class Wire {
  private Wire() {}

  static byte[] handshake(String host, int port) {
    return ("GET /ws HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Protocol: roomcast.v1.proto\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** A client binary frame carrying {@code payload}, masked with the all-zero key (allowed by RFC 6455). */
  static byte[] binaryFrame(byte[] payload) {
    int n = payload.length;
    int header = n < 126 ? 6 : n < 65536 ? 8 : 14;
    ByteBuffer b = ByteBuffer.allocate(header + n);
    b.put((byte) 0x82);
    if (n < 126) {
      b.put((byte) (0x80 | n));
    } else if (n < 65536) {
      b.put((byte) (0x80 | 126)).putShort((short) n);
    } else {
      b.put((byte) (0x80 | 127)).putLong(n);
    }
    b.putInt(0); // masking key 0: the payload goes as it is
    b.put(payload);
    return b.array();
  }

  static byte[] subscribe(String room) {
    return BinaryFrames.encode(ClientFrame.newBuilder().setId(1).setSubscribe(Subscribe.newBuilder().setRoom(room)).build());
  }

  /**
   * A publish frame whose payload starts with {@code sentAtNanos} (System.nanoTime, shared by all
   * processes here), then {@code seq}, the publication's number in its room (0, 1, 2...).
   */
  static byte[] publish(String room, long sentAtNanos, long seq, int payloadBytes) {
    byte[] data = new byte[Math.max(16, payloadBytes)];
    ByteBuffer.wrap(data).putLong(sentAtNanos).putLong(seq);
    return BinaryFrames.encode(ClientFrame.newBuilder()
        .setPublish(Publish.newBuilder().setRoom(room).setData(ByteString.copyFrom(data))).build());
  }

  /** What a scan of one server WebSocket message found. */
  interface FrameSink {
    /** A room message whose payload started with {@code sentAtNanos}, then {@code seq}. */
    void message(long sentAtNanos, long seq);

    /** A {@code subscribed} reply or push. */
    void subscribed();

    /** A {@code lagged} push. */
    void lagged();

    /** An {@code error} reply (e.g. 503 to a subscribe while the broker is slow). */
    default void error() {}
  }

  /** Reads the length-delimited server frames in {@code b[from, to)}. */
  static void scan(byte[] b, int from, int to, FrameSink sink) {
    int p = from;
    while (p < to) {
      long v = 0;
      int shift = 0;
      while (true) {
        byte x = b[p++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) break;
        shift += 7;
      }
      int end = p + (int) v;
      int q = p;
      if (b[q] == 0x08) { // id: skip its varint
        q++;
        while (b[q++] < 0) { }
      }
      int tag = b[q] & 0xff;
      if (tag == 0x22) { // message
        q++;
        while (b[q++] < 0) { } // its length
        while (q < end) {
          int t = b[q++] & 0xff;
          long len = 0;
          int s = 0;
          if ((t & 7) == 2) {
            while (true) {
              byte x = b[q++];
              len |= (long) (x & 0x7f) << s;
              if (x >= 0) break;
              s += 7;
            }
            if (t == 0x12) { // data: the send time first
              sink.message(getLong(b, q), len >= 16 ? getLong(b, q + 8) : -1);
              break;
            }
            q += (int) len;
          } else { // varint field
            while (b[q++] < 0) { }
          }
        }
      } else if (tag == 0x1a) {
        sink.subscribed();
      } else if (tag == 0x5a) {
        sink.lagged();
      } else if (tag == 0x32) {
        sink.error();
      }
      p = end;
    }
  }

  private static long getLong(byte[] b, int i) {
    long v = 0;
    for (int k = 0; k < 8; k++) v = (v << 8) | (b[i + k] & 0xff);
    return v;
  }
}
