package io.roomcast.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The accounting every simulation's figures rest on: gaps, duplicates, recovery, what is owed at the end. */
class ReceiverTest {
  private final Stats stats = Stats.RUN; // one per JVM: the tests compare before and after
  private final String room = "receiver-test-" + System.nanoTime();

  private static byte[] frames(ServerFrame... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ServerFrame f : frames) out.writeBytes(BinaryFrames.encode(f));
    return out.toByteArray();
  }

  private ServerFrame subscribed(int id, long offset, Boolean recovered) {
    Subscribed.Builder s = Subscribed.newBuilder().setRoom(room).setPosition(Position.newBuilder().setOffset(offset).setEpoch("e1"));
    if (recovered != null) s.setRecovered(recovered);
    ServerFrame.Builder f = ServerFrame.newBuilder().setSubscribed(s);
    if (id > 0) f.setId(id);
    return f.build();
  }

  private ServerFrame message(long offset) {
    return ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom(room).setOffset(offset).setEpoch("e1")
        .setTimeMs(System.currentTimeMillis()).setData(ByteString.copyFrom(Wire.stampedPayload(20)))).build();
  }

  @Test
  void messagesInOrderAfterTheSubscribedPositionLoseNothing() {
    long gaps = stats.gapLost.get(Stats.Group.REGULAR).sum();
    Receiver r = new Receiver(Stats.Group.REGULAR, room);
    r.onMessage(frames(subscribed(1, 5, null), message(6), message(7)), System.currentTimeMillis());
    r.onMessage(frames(message(8)), System.currentTimeMillis());
    assertThat(stats.gapLost.get(Stats.Group.REGULAR).sum()).isEqualTo(gaps);
    assertThat(r.missing()).isZero();
  }

  @Test
  void aSkippedOffsetIsLostAndAMissingTailIsOwed() {
    long gaps = stats.gapLost.get(Stats.Group.REGULAR).sum();
    Receiver late = new Receiver(Stats.Group.REGULAR, room);
    Receiver other = new Receiver(Stats.Group.REGULAR, room);
    late.onMessage(frames(subscribed(1, 0, null), message(1), message(3)), System.currentTimeMillis());
    other.onMessage(frames(subscribed(1, 0, null), message(1), message(2), message(3), message(4), message(5)), System.currentTimeMillis());
    assertThat(stats.gapLost.get(Stats.Group.REGULAR).sum() - gaps).isEqualTo(1);
    assertThat(late.missing()).isEqualTo(3); // 2 skipped, 4 and 5 never came
    assertThat(other.missing()).isZero();
  }

  @Test
  void aRepeatedOffsetIsADuplicateNotADelivery() {
    long dups = stats.duplicates.get(Stats.Group.REGULAR).sum();
    Receiver r = new Receiver(Stats.Group.REGULAR, room);
    r.onMessage(frames(subscribed(1, 0, null), message(1), message(2), message(2)), System.currentTimeMillis());
    assertThat(stats.duplicates.get(Stats.Group.REGULAR).sum() - dups).isEqualTo(1);
  }

  @Test
  void aReconnectResumesFromTheLastOffsetAndARecoveredReplayLosesNothing() {
    long gaps = stats.gapLost.get(Stats.Group.REGULAR).sum();
    long recovered = stats.recovered.sum();
    Receiver r = new Receiver(Stats.Group.REGULAR, room);
    r.onMessage(frames(subscribed(1, 0, null), message(1), message(2)), System.currentTimeMillis());
    r.connectionLost();
    assertThat(ServerFrameParse.subscribeSince(r.subscribeFrame())).isEqualTo(2);
    r.onMessage(frames(subscribed(2, 4, true), message(3), message(4)), System.currentTimeMillis());
    assertThat(stats.recovered.sum() - recovered).isEqualTo(1);
    assertThat(stats.gapLost.get(Stats.Group.REGULAR).sum()).isEqualTo(gaps);
    assertThat(stats.reconnect.getTotalCount()).isPositive();
  }

  @Test
  void anUnrecoveredResumeCountsWhatItSkipped() {
    long gaps = stats.gapLost.get(Stats.Group.REGULAR).sum();
    Receiver r = new Receiver(Stats.Group.REGULAR, room);
    r.onMessage(frames(subscribed(1, 0, null), message(1)), System.currentTimeMillis());
    r.onMessage(frames(subscribed(2, 9, false)), System.currentTimeMillis());
    assertThat(stats.gapLost.get(Stats.Group.REGULAR).sum() - gaps).isEqualTo(8);
  }

  @Test
  void aGapRightAfterAPongIsReportedApartBecauseGatlingClearedItsBuffer() {
    long gaps = stats.gapLost.get(Stats.Group.REGULAR).sum();
    long cleared = stats.gapsFromClearedBuffer.sum();
    Receiver r = new Receiver(Stats.Group.REGULAR, room);
    r.onMessage(frames(subscribed(1, 0, null), message(1)), System.currentTimeMillis());
    r.sent();
    r.onInbound(java.util.List.of(new io.gatling.http.action.ws.WsInboundMessage.Binary(System.currentTimeMillis(), frames(message(3)))));
    assertThat(stats.gapsFromClearedBuffer.sum() - cleared).isEqualTo(1);
    assertThat(stats.gapLost.get(Stats.Group.REGULAR).sum()).isEqualTo(gaps);
  }

  /** Reads back the since offset of an encoded subscribe request. */
  static final class ServerFrameParse {
    static long subscribeSince(byte[] frame) {
      try {
        var f = BinaryFrames.decode(java.nio.ByteBuffer.wrap(frame), io.roomcast.protocol.v1.ClientFrame.parser(), 1).get(0);
        return f.getSubscribe().getSince().getOffset();
      } catch (io.roomcast.protocol.MalformedFrameException e) {
        throw new AssertionError(e);
      }
    }
  }
}
