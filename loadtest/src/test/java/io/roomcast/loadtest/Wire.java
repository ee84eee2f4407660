package io.roomcast.loadtest;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Ping;
import io.roomcast.protocol.v1.Pong;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The roomcast binary protocol as the simulations speak it: frames built with the generated classes
 * and length-prefixed by {@link BinaryFrames}, exactly as the server and the Java client do.
 *
 * <p>Every payload starts with a stamp: the magic bytes {@code 'L' 'T'} and the publisher's clock in
 * microseconds, so a receiver measures publisher-to-receiver latency besides the broker's time_ms.
 */
final class Wire {
  static final String SUBPROTOCOL = "roomcast.v1.proto";
  static final int STAMP_BYTES = 10;
  static final byte[] PONG = BinaryFrames.encode(ClientFrame.newBuilder().setPong(Pong.getDefaultInstance()).build());
  static final byte[] PING = BinaryFrames.encode(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()).build());

  private Wire() {}

  static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** A payload of {@code size} bytes stamped with the current time. */
  static byte[] stampedPayload(int size) {
    byte[] p = new byte[Math.max(size, STAMP_BYTES)];
    p[0] = 'L';
    p[1] = 'T';
    ByteBuffer.wrap(p, 2, 8).putLong(nowMicros());
    for (int i = STAMP_BYTES; i < p.length; i++) p[i] = (byte) ('a' + i % 26);
    return p;
  }

  /** The publisher's stamp in microseconds, or -1 when the payload carries none. */
  static long stampOf(ByteString payload) {
    if (payload.size() < STAMP_BYTES || payload.byteAt(0) != 'L' || payload.byteAt(1) != 'T') return -1;
    return payload.substring(2, 10).asReadOnlyByteBuffer().getLong();
  }

  static byte[] subscribe(int id, String room, Position since) {
    Subscribe.Builder s = Subscribe.newBuilder().setRoom(room);
    if (since != null) s.setSince(since);
    return BinaryFrames.encode(ClientFrame.newBuilder().setId(id).setSubscribe(s).build());
  }

  /** {@code count} publish frames batched into one WebSocket message, ids from {@code firstId}. */
  static byte[] publishBatch(int firstId, String room, int count, int payloadBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(count * (payloadBytes + 32));
    for (int i = 0; i < count; i++) {
      out.writeBytes(BinaryFrames.encode(ClientFrame.newBuilder().setId(firstId + i)
          .setPublish(Publish.newBuilder().setRoom(room).setData(ByteString.copyFrom(stampedPayload(payloadBytes))))
          .build()));
    }
    return out.toByteArray();
  }

  static List<ServerFrame> decode(byte[] message) {
    try {
      return BinaryFrames.decode(ByteBuffer.wrap(message), ServerFrame.parser(), Integer.MAX_VALUE);
    } catch (MalformedFrameException e) {
      throw new IllegalStateException("the server sent an undecodable message: " + e.getMessage(), e);
    }
  }

  /** Whether a message holds the first frame of a connection. */
  static boolean hasConnected(byte[] message) {
    return decode(message).stream().anyMatch(f -> f.getKindCase() == ServerFrame.KindCase.CONNECTED);
  }

  /** Whether a message holds a reply (a frame with an id): the answer the subscriber waits for. */
  static boolean hasReply(byte[] message) {
    return decode(message).stream().anyMatch(f -> f.hasId() && f.getKindCase() != ServerFrame.KindCase.PONG);
  }

  /** Whether the reply in a message is {@code subscribed} (not an error). */
  static boolean replyIsSubscribed(byte[] message) {
    return decode(message).stream().anyMatch(f -> f.hasId() && f.getKindCase() == ServerFrame.KindCase.SUBSCRIBED);
  }
}
