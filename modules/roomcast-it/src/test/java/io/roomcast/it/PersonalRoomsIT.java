package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.redis.RedisPublisher;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Personal rooms over real sockets, two node processes on one Redis: {@code @alice} reaches every
 * session of alice on every node and nobody else, whichever door it comes through (HTTP with
 * {@code %40alice}, the Java publisher on the Redis script); nobody else reads or publishes it;
 * {@code $<session>} reaches one connection; a reconnecting client recovers its personal room.
 */
class PersonalRoomsIT {
  private static StandaloneRedis redis;
  private static PresenceCluster cluster;
  private final List<JsonSocket> sockets = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = TestRedis.standalone();
    cluster = PresenceCluster.start("pers", redis.uri(), 2);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) cluster.close();
    if (redis != null) redis.close();
  }

  @AfterEach
  void closeSockets() {
    sockets.forEach(JsonSocket::close);
  }

  private JsonSocket client(int node, String user, List<String> subscribe, List<String> publish) {
    JsonSocket s = JsonSocket.connect(cluster.node(node).ws(), JsonSocket.token(user, subscribe, publish, null));
    sockets.add(s);
    return s;
  }

  private static ServerFrame pushedSubscribed(JsonSocket s, String room) {
    return s.await("subscribed " + room, f -> f.hasSubscribed() && !f.hasId() && f.getSubscribed().getRoom().equals(room));
  }

  @Test
  void aDirectMessageReachesEveryTabOfTheUserOnEveryNodeAndNobodyElse() throws Exception {
    JsonSocket aliceOn1 = client(1, "alice", List.of(), List.of());
    JsonSocket aliceOn2 = client(2, "alice", List.of(), List.of());
    JsonSocket bob = client(2, "bob", List.of("*"), List.of("*"));
    pushedSubscribed(aliceOn1, "@alice");
    pushedSubscribed(aliceOn2, "@alice");
    pushedSubscribed(bob, "@bob");

    HttpResponse<String> posted = PresenceCluster.post(cluster.node(1), "/api/v1/rooms/%40alice/messages", PresenceCluster.API_KEY, "hi alice");
    assertThat(posted.statusCode()).isEqualTo(200);
    try (RedisPublisher publisher = RedisPublisher.connect(redis.uri())) {
      publisher.publish("@alice", "from a backend").join();
    }

    for (JsonSocket s : List.of(aliceOn1, aliceOn2)) {
      s.await("the backend's message", f -> f.hasMessage() && f.getMessage().getText().equals("from a backend"));
      assertThat(s.texts("@alice")).containsExactly("hi alice", "from a backend");
    }
    List<Long> offsets = aliceOn2.frames.stream().filter(ServerFrame::hasMessage).map(f -> f.getMessage().getOffset()).toList();
    assertThat(offsets.get(0)).isPositive(); // offsets and history, like any room
    assertThat(offsets.get(1)).isEqualTo(offsets.get(0) + 1);
    assertThat(bob.texts("@alice")).isEmpty();
    assertThat(bob.frames.stream().filter(ServerFrame::hasMessage)).isEmpty();
  }

  @Test
  void nobodyElseSubscribesReadsOrPublishesInAPersonalRoomEvenWithEveryGrant() {
    client(1, "alice", List.of(), List.of());
    JsonSocket bob = client(2, "bob", List.of("*"), List.of("*"));
    String bobToken = JsonSocket.token("bob", List.of("*"), List.of("*"), null);

    assertThat(bob.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom("@alice"))).getError().getCode())
        .isEqualTo(403);
    assertThat(bob.request(ClientFrame.newBuilder().setPublish(Publish.newBuilder().setRoom("@alice").setText("x"))).getError()
        .getCode()).isEqualTo(403);
    assertThat(PresenceCluster.post(cluster.node(1), "/api/v1/rooms/@alice/messages", bobToken, "x").statusCode()).isEqualTo(403);
    assertThat(PresenceCluster.get(cluster.node(1), "/api/v1/rooms/@alice/messages", bobToken).statusCode()).isEqualTo(403);
    assertThat(PresenceCluster.get(cluster.node(1), "/api/v1/rooms/@alice/presence", bobToken).statusCode()).isEqualTo(403);

    String aliceToken = JsonSocket.token("alice", List.of(), List.of(), null);
    assertThat(PresenceCluster.get(cluster.node(2), "/api/v1/rooms/@alice/messages", aliceToken).statusCode()).isEqualTo(200);
    String support = JsonSocket.token("support", List.of(), List.of("@*"), null); // a grant naming personal rooms
    assertThat(PresenceCluster.post(cluster.node(2), "/api/v1/rooms/@alice/messages", support, "from support").statusCode())
        .isEqualTo(200);
  }

  @Test
  void aSessionRoomReachesOneConnectionWithoutOffset() {
    JsonSocket tab1 = client(1, "carol", List.of(), List.of());
    JsonSocket tab2 = client(2, "carol", List.of(), List.of());

    HttpResponse<String> posted = PresenceCluster.post(cluster.node(2), "/api/v1/rooms/$" + tab1.session + "/messages",
        PresenceCluster.API_KEY, "just you");
    assertThat(posted.statusCode()).isEqualTo(200);

    ServerFrame got = tab1.await("the direct message", f -> f.hasMessage() && f.getMessage().getText().equals("just you"));
    assertThat(got.getMessage().getRoom()).isEqualTo("$" + tab1.session);
    assertThat(got.getMessage().hasOffset()).isFalse();
    tab2.request(ClientFrame.newBuilder().setPing(io.roomcast.protocol.v1.Ping.getDefaultInstance())); // anything sent to tab2 before this arrived
    assertThat(tab2.texts("$" + tab1.session)).isEmpty();
    assertThat(tab2.frames.stream().filter(ServerFrame::hasMessage)).isEmpty();
  }

  @Test
  void aReconnectingClientRecoversItsPersonalRoomWithSince() {
    JsonSocket dave = client(1, "dave", List.of(), List.of());
    pushedSubscribed(dave, "@dave");
    PresenceCluster.post(cluster.node(1), "/api/v1/rooms/@dave/messages", PresenceCluster.API_KEY, "one");
    ServerFrame one = dave.await("one", f -> f.hasMessage() && f.getMessage().getText().equals("one"));
    dave.close();
    PresenceCluster.post(cluster.node(2), "/api/v1/rooms/@dave/messages", PresenceCluster.API_KEY, "two");
    PresenceCluster.post(cluster.node(2), "/api/v1/rooms/@dave/messages", PresenceCluster.API_KEY, "three");

    JsonSocket back = client(2, "dave", List.of(), List.of());
    ServerFrame pushed = pushedSubscribed(back, "@dave");
    assertThat(pushed.getSubscribed().getPosition().getOffset()).isEqualTo(3); // tells it how far the room is
    ServerFrame resumed = back.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom("@dave")
        .setSince(Position.newBuilder().setOffset(one.getMessage().getOffset()).setEpoch(one.getMessage().getEpoch()))));

    assertThat(resumed.getSubscribed().getRecovered()).isTrue();
    back.await("three", f -> f.hasMessage() && f.getMessage().getText().equals("three"));
    assertThat(back.texts("@dave")).containsExactly("two", "three");
  }
}
