package io.roomcast.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.roomcast.protocol.v1.Ack;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Error;
import io.roomcast.protocol.v1.Join;
import io.roomcast.protocol.v1.Lagged;
import io.roomcast.protocol.v1.Leave;
import io.roomcast.protocol.v1.Member;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Presence;
import io.roomcast.protocol.v1.PresenceStats;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import io.roomcast.protocol.v1.Unsubscribed;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issue 13 (publishes safe to retry, resumes retried) and issue 16 (presence, join/leave, personal rooms) against a scripted node. */
class RoomcastClientResumeAndPresenceTest {
  /** Reconnects and retries after a millisecond or two: the script, not the clock, decides what happens. */
  private static final ClientOptions FAST = ClientOptions.defaults().withBackoff(Duration.ofMillis(1), Duration.ofMillis(5));

  private static Position at(long offset, String epoch) {
    return Position.newBuilder().setOffset(offset).setEpoch(epoch).build();
  }

  private static ServerFrame message(String room, long offset, String epoch) {
    return ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom(room).setText("m" + offset).setOffset(offset).setEpoch(epoch)).build();
  }

  private static ServerFrame subscribed(ClientFrame to, String room, Position position, Boolean recovered) {
    Subscribed.Builder s = Subscribed.newBuilder().setRoom(room).setPosition(position);
    if (recovered != null) s.setRecovered(recovered);
    return ServerFrame.newBuilder().setId(to.getId()).setSubscribed(s).build();
  }

  private static ServerFrame error(ClientFrame to, int code) {
    return ServerFrame.newBuilder().setId(to.getId()).setError(Error.newBuilder().setCode(code).setMessage("scripted " + code)).build();
  }

  private static ServerFrame ack(ClientFrame to, long offset) {
    return ServerFrame.newBuilder().setId(to.getId()).setAck(Ack.newBuilder().setOffset(offset)).build();
  }

  private static List<ClientFrame> publishes(ScriptedNode node) {
    return node.received.stream().filter(ClientFrame::hasPublish).toList();
  }

  @Test
  void aPublishAnswered503IsSentAgainWithTheSameIdempotencyKeyAndCompletesWithTheRetrysAck() {
    AtomicInteger seen = new AtomicInteger();
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (frame.hasPublish()) reply.accept(seen.incrementAndGet() == 1 ? error(frame, 503) : ack(frame, 9));
    }); RoomcastClient client = RoomcastClient.connect(node.uri(), FAST, new ClientEvents() {})) {

      assertThat(client.publish("r", "hello").join()).isEqualTo(9);

      List<ClientFrame> sent = publishes(node);
      assertThat(sent).hasSize(2);
      assertThat(sent.get(0).getPublish().getIdempotencyKey()).matches("[A-Za-z0-9_-]{22}")
          .isEqualTo(sent.get(1).getPublish().getIdempotencyKey());
      assertThat(sent.get(1).getId()).isNotEqualTo(sent.get(0).getId());
      client.publish("r", "another").join();
      assertThat(publishes(node).get(2).getPublish().getIdempotencyKey()).as("each publish its own key")
          .isNotEqualTo(sent.get(0).getPublish().getIdempotencyKey());
    }
  }

  @Test
  void aPublishWhoseConnectionWentBeforeTheAckIsSentAgainOnTheNextConnectionWithTheSameKey() {
    AtomicInteger seen = new AtomicInteger();
    ScriptedNode[] self = new ScriptedNode[1];
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (!frame.hasPublish()) return;
      if (seen.incrementAndGet() == 1) self[0].cutAll(); // no ack: the node died with the publish in flight
      else reply.accept(ack(frame, 4));
    }); RoomcastClient client = RoomcastClient.connect(node.uri(), FAST, new ClientEvents() {})) {
      self[0] = node;

      assertThat(client.publish("r", "once", "key-1").join()).isEqualTo(4);

      assertThat(node.connections.get()).isEqualTo(2);
      assertThat(publishes(node)).extracting(f -> f.getPublish().getIdempotencyKey()).containsExactly("key-1", "key-1");
    }
  }

  @Test
  void aRefusalThatRetryingCannotFixIsNotRetried() {
    AtomicInteger codes = new AtomicInteger();
    int[] answers = {403, 413, 429, 400};
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (frame.hasPublish()) reply.accept(error(frame, answers[codes.getAndIncrement()]));
      if (frame.hasPresenceStats()) reply.accept(ServerFrame.newBuilder().setId(frame.getId()).setPresenceStats(PresenceStats.getDefaultInstance()).build());
    }); RoomcastClient client = RoomcastClient.connect(node.uri(), FAST, new ClientEvents() {})) {
      for (int code : answers) {
        assertThatThrownBy(() -> client.publish("r", "no").join()).isInstanceOf(CompletionException.class)
            .cause().satisfies(e -> assertThat(((RoomcastException) e).code()).isEqualTo(code));
      }
      client.presenceStats("barrier").join(); // a request after them: nothing else was sent in between
      assertThat(publishes(node)).hasSize(4);
    }
  }

  @Test
  void aResumeAfterLaggedThatTheNodeCouldNotServeIsRetriedUntilItIs() {
    // The node hands over 1, drops 2, says lagged after 1, then answers the resume with 503 twice
    // before it replays 2 and 3.
    AtomicInteger resumes = new AtomicInteger();
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (frame.hasUnsubscribe()) {
        reply.accept(ServerFrame.newBuilder().setId(frame.getId()).setUnsubscribed(Unsubscribed.newBuilder().setRoom("r")).build());
      } else if (frame.hasSubscribe() && !frame.getSubscribe().hasSince()) {
        reply.accept(subscribed(frame, "r", at(0, "e"), null));
        reply.accept(message("r", 1, "e"));
        reply.accept(ServerFrame.newBuilder().setLagged(Lagged.newBuilder().setRoom("r").setPosition(at(1, "e"))).build());
        reply.accept(message("r", 3, "e"));
      } else if (frame.hasSubscribe() && resumes.incrementAndGet() <= 2) {
        reply.accept(error(frame, 503));
      } else if (frame.hasSubscribe()) {
        reply.accept(subscribed(frame, "r", at(3, "e"), true));
        reply.accept(message("r", 2, "e"));
        reply.accept(message("r", 3, "e"));
      }
    }); RoomcastClient client = RoomcastClient.connect(node.uri(), FAST, new ClientEvents() {})) {
      List<Long> got = new CopyOnWriteArrayList<>();
      client.subscribe("r", m -> got.add(m.offset())).join();

      await().until(() -> got.size() == 3);

      assertThat(got).containsExactly(1L, 2L, 3L);
      assertThat(client.lagsRecovered()).isEqualTo(1);
      assertThat(node.received).filteredOn(f -> f.hasSubscribe() && f.getSubscribe().hasSince())
          .hasSize(3).allSatisfy(f -> assertThat(f.getSubscribe().getSince()).isEqualTo(at(1, "e")));
      assertThat(node.connections.get()).as("all on one connection").isEqualTo(1);
    }
  }

  @Test
  void presenceAndPresenceStatsCompleteWithTheNodesReplies() {
    Member alice = Member.newBuilder().setUser("alice").setSession("n1-1")
        .setInfo(Struct.newBuilder().putFields("name", Value.newBuilder().setStringValue("Alice").build())).build();
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      ServerFrame.Builder r = ServerFrame.newBuilder().setId(frame.getId());
      if (frame.hasPresence() && frame.getPresence().getRoom().equals("big")) reply.accept(error(frame, 413));
      else if (frame.hasPresence()) reply.accept(r.setPresence(Presence.newBuilder().setRoom(frame.getPresence().getRoom()).addMembers(alice)).build());
      else if (frame.hasPresenceStats()) {
        reply.accept(r.setPresenceStats(PresenceStats.newBuilder().setRoom(frame.getPresenceStats().getRoom()).setSessions(3).setUsers(2)).build());
      }
    }); RoomcastClient client = RoomcastClient.connect(node.uri())) {

      assertThat(client.presence("chat").join().getMembersList()).containsExactly(alice);
      PresenceStats stats = client.presenceStats("chat").join();
      assertThat(List.of(stats.getRoom(), stats.getSessions(), stats.getUsers())).containsExactly("chat", 3, 2);
      assertThatThrownBy(() -> client.presence("big").join()).cause()
          .satisfies(e -> assertThat(((RoomcastException) e).code()).isEqualTo(413));
    }
  }

  @Test
  void joinLeaveIsAskedForAndItsEventsReachTheRoomsListener() {
    Member bob = Member.newBuilder().setUser("bob").setSession("n2-7f3a").build();
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (!frame.hasSubscribe()) return;
      reply.accept(subscribed(frame, frame.getSubscribe().getRoom(), at(0, "e"), null));
      reply.accept(ServerFrame.newBuilder().setJoin(Join.newBuilder().setRoom("chat").setMember(bob)).build());
      reply.accept(ServerFrame.newBuilder().setLeave(Leave.newBuilder().setRoom("chat").setMember(bob)).build());
    }); RoomcastClient client = RoomcastClient.connect(node.uri())) {
      List<String> seen = new CopyOnWriteArrayList<>();
      client.subscribe("chat", new RoomListener() {
        @Override
        public void accept(ReceivedMessage m) {}

        @Override
        public void onJoin(String room, Member member) {
          seen.add("join " + room + " " + member.getUser() + " " + member.getSession());
        }

        @Override
        public void onLeave(String room, Member member) {
          seen.add("leave " + room + " " + member.getUser());
        }
      }, true).join();

      await().until(() -> seen.size() == 2);

      assertThat(seen).containsExactly("join chat bob n2-7f3a", "leave chat bob");
      assertThat(node.received.peek().getSubscribe().getJoinLeave()).isTrue();
    }
  }

  @Test
  void aRoomTheNodeSubscribedTheClientToIsDeliveredAndResumedWithSinceAfterAReconnect() {
    // Connection 1: the node subscribes the client to @alice (at 4) and sends 5. Connection 2: it
    // subscribes it again (at 6) and sends 7 live; the client resumes from 5 and gets 6 and 7 once.
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> {
      if (frame.hasSubscribe() && frame.getSubscribe().getRoom().equals("@alice")) {
        reply.accept(subscribed(frame, "@alice", at(7, "p"), true));
        reply.accept(message("@alice", 6, "p"));
        reply.accept(message("@alice", 7, "p"));
      }
    }, (n, push) -> {
      Subscribed.Builder s = Subscribed.newBuilder().setRoom("@alice").setPosition(at(n == 1 ? 4 : 6, "p"));
      push.accept(ServerFrame.newBuilder().setSubscribed(s).build());
      push.accept(message("@alice", n == 1 ? 5 : 7, "p"));
    })) {
      List<Long> got = new CopyOnWriteArrayList<>();
      List<String> made = new CopyOnWriteArrayList<>();
      List<String> resets = new CopyOnWriteArrayList<>();
      try (RoomcastClient client = RoomcastClient.connect(node.uri(), FAST, new ClientEvents() {
        @Override
        public RoomListener onServerSubscription(String room) {
          made.add(room);
          return m -> got.add(m.offset());
        }

        @Override
        public void onRoomReset(String room, long offset, String epoch) {
          resets.add(room + " " + offset);
        }
      })) {
        await().until(() -> got.size() == 1);
        assertThat(client.position("@alice")).isEqualTo(at(5, "p"));

        node.cutAll();
        await().until(() -> got.size() == 3);

        assertThat(got).containsExactly(5L, 6L, 7L);
        assertThat(made).containsExactly("@alice");
        assertThat(resets).isEmpty();
        assertThat(node.received).filteredOn(ClientFrame::hasSubscribe).singleElement()
            .satisfies(f -> assertThat(f.getSubscribe().getSince()).isEqualTo(at(5, "p")));
      }
    }
  }

  @Test
  void messagesToThisConnectionReachTheListenerOfItsSessionRoomWithoutASubscription() {
    try (ScriptedNode node = new ScriptedNode((frame, reply) -> { }, (n, push) -> {
      push.accept(ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("$n1-42").setText("just you")).build());
      push.accept(ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("$n1-42").setText("you again")).build());
    })) {
      List<String> got = new CopyOnWriteArrayList<>();
      List<String> asked = new CopyOnWriteArrayList<>();
      try (RoomcastClient client = RoomcastClient.connect(node.uri(), ClientOptions.once(), new ClientEvents() {
        @Override
        public RoomListener onServerSubscription(String room) {
          asked.add(room);
          return m -> got.add(m.room() + " " + m.textPayload());
        }
      })) {
        await().until(() -> got.size() == 2);

        assertThat(got).containsExactly("$n1-42 just you", "$n1-42 you again");
        assertThat(asked).containsExactly("$n1-42");
        assertThat(client.strayMessages()).isZero();
      }
    }
  }
}
