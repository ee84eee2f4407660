package io.roomcast.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.protocol.v1.Subscribed;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
  private static final ClientFrame SUBSCRIBE =
      ClientFrame.newBuilder().setId(1).setSubscribe(Subscribe.newBuilder().setRoom("chat")).build();
  private static final ClientFrame PUBLISH =
      ClientFrame.newBuilder().setId(2).setPublish(Publish.newBuilder().setRoom("chat").setText("hello")).build();

  @Test
  void concatenatedBinaryFramesSplitBackInOrder() throws Exception {
    byte[] a = BinaryFrames.encode(SUBSCRIBE);
    byte[] b = BinaryFrames.encode(PUBLISH);
    ByteBuffer batch = ByteBuffer.allocate(a.length + b.length).put(a).put(b).flip();

    assertThat(BinaryFrames.decode(batch, ClientFrame.parser(), 10)).containsExactly(SUBSCRIBE, PUBLISH);
    assertThat(batch.position()).as("decode leaves the caller's buffer alone").isZero();
  }

  @Test
  void refusesMalformedBinaryMessagesWithAReason() {
    assertThatThrownBy(() -> BinaryFrames.decode(ByteBuffer.allocate(0), ClientFrame.parser(), 10))
        .isInstanceOf(MalformedFrameException.class).hasMessage("empty message");
    assertThatThrownBy(() -> BinaryFrames.decode(ByteBuffer.wrap(new byte[] {10, 1}), ClientFrame.parser(), 10))
        .hasMessageContaining("declares 10 bytes, 1 left");
    assertThatThrownBy(() -> BinaryFrames.decode(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, (byte) 0xff}), ClientFrame.parser(), 10))
        .isInstanceOf(MalformedFrameException.class);
    assertThatThrownBy(() -> BinaryFrames.decode(ByteBuffer.wrap(new byte[] {2, (byte) 0xff, (byte) 0xff}), ClientFrame.parser(), 10))
        .hasMessageContaining("not valid protobuf");
    byte[] one = BinaryFrames.encode(SUBSCRIBE);
    ByteBuffer three = ByteBuffer.allocate(one.length * 3).put(one).put(one).put(one).flip();
    assertThatThrownBy(() -> BinaryFrames.decode(three, ClientFrame.parser(), 2))
        .hasMessage("more than 2 frames in one message");
  }

  @Test
  void jsonFramesHaveTheDocumentedShape() throws Exception {
    ServerFrame subscribed = ServerFrame.newBuilder().setId(1).setSubscribed(Subscribed.newBuilder().setRoom("chat")
        .setPosition(Position.newBuilder().setOffset(0).setEpoch("e1"))).build();
    ServerFrame message = ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("chat").setText("hello")
        .setOffset(1).setEpoch("e1").setTimeMs(1700000000000L)).build();

    assertThat(JsonFrames.print(subscribed))
        .isEqualTo("{\"id\":1,\"subscribed\":{\"room\":\"chat\",\"position\":{\"offset\":\"0\",\"epoch\":\"e1\"}}}");
    assertThat(JsonFrames.print(message))
        .isEqualTo("{\"message\":{\"room\":\"chat\",\"text\":\"hello\",\"offset\":\"1\",\"epoch\":\"e1\",\"timeMs\":\"1700000000000\"}}");
    assertThat(JsonFrames.decode("{\"id\":2,\"publish\":{\"room\":\"chat\",\"text\":\"hello\"}}",
        ClientFrame.getDefaultInstance(), 10)).containsExactly(PUBLISH);
  }

  @Test
  void jsonMessagesCarryOneFramePerLineAndIgnoreUnknownFields() throws Exception {
    List<ClientFrame> frames = JsonFrames.decode(
        "{\"id\":1,\"subscribe\":{\"room\":\"chat\"},\"future\":true}\n\n{\"id\":2,\"publish\":{\"room\":\"chat\",\"text\":\"hello\"}}\n",
        ClientFrame.getDefaultInstance(), 10);
    assertThat(frames).containsExactly(SUBSCRIBE, PUBLISH);
    assertThat(new String(JsonFrames.encode(SUBSCRIBE), java.nio.charset.StandardCharsets.UTF_8)).endsWith("}\n");
  }

  @Test
  void refusesMalformedJsonWithAReason() {
    assertThatThrownBy(() -> JsonFrames.decode("not json", ClientFrame.getDefaultInstance(), 10))
        .isInstanceOf(MalformedFrameException.class).hasMessageContaining("line 1 is not a valid frame");
    assertThatThrownBy(() -> JsonFrames.decode(" \n ", ClientFrame.getDefaultInstance(), 10)).hasMessage("empty message");
    assertThatThrownBy(() -> JsonFrames.decode("[".repeat(10_000), ClientFrame.getDefaultInstance(), 10))
        .isInstanceOf(MalformedFrameException.class);
    assertThatThrownBy(() -> JsonFrames.decode("{\"id\":\"x\"}", ClientFrame.getDefaultInstance(), 10))
        .isInstanceOf(MalformedFrameException.class);
  }
}
