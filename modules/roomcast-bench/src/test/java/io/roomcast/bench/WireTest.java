package io.roomcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {
  /** What a scan found, in order. */
  private final List<String> seen = new ArrayList<>();
  private final Wire.FrameSink sink = new Wire.FrameSink() {
    @Override
    public void message(long sentAtNanos, long seq) {
      seen.add("message " + sentAtNanos + " #" + seq);
    }

    @Override
    public void subscribed() {
      seen.add("subscribed");
    }

    @Override
    public void lagged() {
      seen.add("lagged");
    }
  };

  @Test
  void aPublishedPayloadCarriesItsSendTimeAndItsNumberInTheRoomToTheScanOfTheMessage() throws Exception {
    byte[] publish = Wire.publish("room-3", 123_456_789L, 42, 100);
    ClientFrame sent = BinaryFrames.decode(java.nio.ByteBuffer.wrap(publish), ClientFrame.parser(), 1).get(0);
    assertThat(sent.getPublish().getRoom()).isEqualTo("room-3");
    assertThat(sent.getPublish().getData().size()).isEqualTo(100);

    // The message a server makes of it, after a subscribed reply in the same WebSocket message.
    byte[] batch = concat(
        BinaryFrames.encode(ServerFrame.newBuilder().setId(1).setSubscribed(Subscribed.newBuilder().setRoom("room-3")).build()),
        BinaryFrames.encode(ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("room-3")
            .setData(sent.getPublish().getData()).setOffset(300).setEpoch("e1").setTimeMs(1_700_000_000_000L)).build()));
    Wire.scan(batch, 0, batch.length, sink);

    assertThat(seen).containsExactly("subscribed", "message 123456789 #42");
  }

  @Test
  void aPayloadTooShortToCarryANumberIsScannedWithoutOne() {
    byte[] frame = BinaryFrames.encode(ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("idle")
        .setData(com.google.protobuf.ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}))).build());
    Wire.scan(frame, 0, frame.length, sink);
    assertThat(seen).containsExactly("message 7 #-1");
  }

  @Test
  void lostIsWhatEachRoomsLiveMembersShouldHaveReceivedLessWhatTheyDid() {
    Clients.Order order = new Clients.Order(Map.of("a", 19L, "b", 30L), Map.of("a", 2, "b", 3), 1);
    assertThat(order.lost(room -> room.equals("a") ? 10 : 10)).isEqualTo(1);
    assertThat(order.lost(room -> room.equals("a") ? 10 : 11)).isEqualTo(4);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
