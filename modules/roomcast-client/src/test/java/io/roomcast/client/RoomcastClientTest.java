package io.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.protocol.v1.Ack;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import io.roomcast.protocol.v1.Unsubscribed;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RoomcastClientTest {
  private static ServerFrame message(long offset) {
    return ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("r").setText("m" + offset)
        .setOffset(offset).setEpoch("e")).build();
  }

  @Test
  void aSkippedOffsetIsRepairedByResumingTheRoomFromHistory() {
    // The node sends 1 and 3 (2 lost), and replays 2 and 3 when the client resumes from 1.
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> answer(frame, reply))) {
      List<Long> got = new CopyOnWriteArrayList<>();
      try (RoomcastClient client = RoomcastClient.connect(node.uri())) {
        client.subscribe("r", m -> got.add(m.offset())).join();

        await().until(() -> got.size() == 3);

        assertThat(got).containsExactly(1L, 2L, 3L);
        assertThat(client.gapsRepaired()).isEqualTo(1);
        assertThat(node.received).anyMatch(f -> f.hasSubscribe() && f.getSubscribe().hasSince()
            && f.getSubscribe().getSince().getOffset() == 1);
      }
    }
  }

  private static void answer(ClientFrame frame, Consumer<ServerFrame> reply) {
    ServerFrame.Builder r = ServerFrame.newBuilder().setId(frame.getId());
    if (frame.hasUnsubscribe()) {
      reply.accept(r.setUnsubscribed(Unsubscribed.newBuilder().setRoom("r")).build());
    } else if (frame.hasSubscribe() && !frame.getSubscribe().hasSince()) {
      reply.accept(r.setSubscribed(Subscribed.newBuilder().setRoom("r")
          .setPosition(Position.newBuilder().setOffset(0).setEpoch("e"))).build());
      reply.accept(message(1));
      reply.accept(message(3));
    } else if (frame.hasSubscribe()) {
      reply.accept(r.setSubscribed(Subscribed.newBuilder().setRoom("r").setRecovered(true)
          .setPosition(Position.newBuilder().setOffset(3).setEpoch("e"))).build());
      reply.accept(message(2));
      reply.accept(message(3));
    } else if (frame.hasPublish()) {
      reply.accept(r.setAck(Ack.newBuilder().setOffset(4)).build());
    }
  }
}
