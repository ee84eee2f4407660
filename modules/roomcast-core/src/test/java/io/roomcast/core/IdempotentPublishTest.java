package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A publish that carries an idempotency key is stored once however often it is retried, over WebSocket or the backend API. */
class IdempotentPublishTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO),
      new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry, NodeSecurity.open(), loop);
  private final FakeClient publisher = new FakeClient(node, loop, ioA, WireFormat.PROTO);
  private final FakeClient reader = new FakeClient(node, loop, ioB, WireFormat.PROTO);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aRetryWithTheSameKeyGetsTheFirstOffsetAndIsDeliveredOnce() {
    reader.subscribed("room");

    ServerFrame first = publisher.reply(publish(1, "room", "once", "key-1"));
    ServerFrame retry = publisher.reply(publish(2, "room", "once", "key-1"));
    ServerFrame other = publisher.reply(publish(3, "room", "twice", "key-2"));
    var viaApi = node.publish(Principal.anonymous(RoomPermissions.ALL), "room", Payload.text("once"), "key-1")
        .toCompletableFuture().join();
    loop.settle();

    assertThat(first.getAck().getOffset()).isEqualTo(1);
    assertThat(retry.getAck().getOffset()).isEqualTo(1);
    assertThat(other.getAck().getOffset()).isEqualTo(2);
    assertThat(viaApi.offset()).isEqualTo(1);
    assertThat(reader.texts("room")).containsExactly("once", "twice");
  }

  @Test
  void aKeyOver64BytesIsRefusedWith400() {
    ServerFrame refused = publisher.reply(publish(1, "room", "m", "é".repeat(33))); // 66 bytes of UTF-8

    assertThat(refused.getError().getCode()).isEqualTo(400);
    assertThat(refused.getError().getMessage()).contains("66 bytes").contains("64");
    assertThat(publisher.reply(publish(2, "room", "m", "k".repeat(64))).getAck().getOffset()).isEqualTo(1);
    try {
      node.publish(Principal.anonymous(RoomPermissions.ALL), "room", Payload.text("m"), "k".repeat(65));
      throw new AssertionError("a 65-byte key was accepted");
    } catch (RequestRejectedException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
    }
  }

  private int publish(int id, String room, String text, String key) {
    publisher.send(ClientFrame.newBuilder().setId(id)
        .setPublish(Publish.newBuilder().setRoom(room).setText(text).setIdempotencyKey(key)).build());
    return id;
  }
}
