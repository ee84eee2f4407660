package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.PresenceRequest;
import io.roomcast.protocol.v1.PresenceStatsRequest;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Presence over real sockets: three node processes on one Redis, raw JSON clients on different nodes,
 * joins and leaves across nodes, exact members and counts (WebSocket and HTTP), the grace, the rights,
 * and a SIGKILLed node whose members are gone within the documented bound.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceIT {
  private static StandaloneRedis redis;
  private static PresenceCluster cluster;
  private final List<JsonSocket> sockets = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = TestRedis.standalone();
    cluster = PresenceCluster.start("pres", redis.uri(), 3);
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

  private JsonSocket client(int node, String user, String... grants) {
    JsonSocket s = JsonSocket.connect(cluster.node(node).ws(), JsonSocket.token(user, grants));
    sockets.add(s);
    return s;
  }

  private static ServerFrame subscribe(JsonSocket s, String room, boolean joinLeave) {
    return s.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom(room).setJoinLeave(joinLeave)));
  }

  private static ServerFrame presence(JsonSocket s, String room) {
    return s.request(ClientFrame.newBuilder().setPresence(PresenceRequest.newBuilder().setRoom(room)));
  }

  private static ServerFrame stats(JsonSocket s, String room) {
    return s.request(ClientFrame.newBuilder().setPresenceStats(PresenceStatsRequest.newBuilder().setRoom(room)));
  }

  private static List<String> members(ServerFrame presence) {
    return presence.getPresence().getMembersList().stream().map(m -> m.getUser() + "/" + m.getSession()).sorted().toList();
  }

  @Test
  @Order(1)
  void joinsAndLeavesCrossNodesAndMembersAreExactOnEveryNode() {
    String room = "chat-1";
    JsonSocket watcher = client(1, "watcher", "chat-*");
    assertThat(subscribe(watcher, room, true).hasSubscribed()).isTrue();
    JsonSocket alice = client(2, "alice", "chat-*");
    subscribe(alice, room, false);
    JsonSocket bob = client(3, "bob", "chat-*");
    subscribe(bob, room, false);

    watcher.awaitEvent(room, "join bob");
    assertThat(watcher.events(room)).containsExactly("join watcher", "join alice", "join bob");
    List<String> expected = List.of("alice/" + alice.session, "bob/" + bob.session, "watcher/" + watcher.session).stream().sorted().toList();
    assertThat(members(presence(bob, room))).isEqualTo(expected);
    assertThat(members(presence(watcher, room))).isEqualTo(expected);
    ServerFrame counts = stats(alice, room);
    assertThat(counts.getPresenceStats().getSessions()).isEqualTo(3);
    assertThat(counts.getPresenceStats().getUsers()).isEqualTo(3);

    HttpResponse<String> http = PresenceCluster.get(cluster.node(2), "/api/v1/rooms/" + room + "/presence", PresenceCluster.API_KEY);
    assertThat(http.statusCode()).isEqualTo(200);
    for (JsonSocket s : List.of(watcher, alice, bob)) assertThat(http.body()).contains("\"session\":\"" + s.session + "\"");
    HttpResponse<String> httpStats = PresenceCluster.get(cluster.node(3), "/api/v1/rooms/" + room + "/presence/stats", PresenceCluster.API_KEY);
    assertThat(httpStats.statusCode()).isEqualTo(200);
    assertThat(httpStats.body().replaceAll("\\s", "")).isEqualTo("{\"room\":\"chat-1\",\"sessions\":3,\"users\":3}");

    bob.close();
    watcher.awaitEvent(room, "leave bob");
    assertThat(members(presence(alice, room))).doesNotContain("bob/" + bob.session).hasSize(2);
  }

  @Test
  @Order(2)
  void aUserWhoReconnectsToAnotherNodeWithinTheGraceMakesNoEventAndARealLeaveMakesOne() {
    String room = "chat-2";
    JsonSocket watcher = client(1, "watcher", "chat-*");
    subscribe(watcher, room, true);
    JsonSocket alice = client(2, "alice", "chat-*");
    subscribe(alice, room, false);
    JsonSocket carol = client(3, "carol", "chat-*");
    subscribe(carol, room, false);
    watcher.awaitEvent(room, "join carol");

    alice.abort(); // her network drops...
    JsonSocket aliceAgain = client(3, "alice", "chat-*"); // ...and her client reconnects, to another node
    subscribe(aliceAgain, room, false);
    // her first session is gone from presence: its grace started before carol's below
    await().atMost(JsonSocket.WAIT).until(() -> !members(presence(watcher, room)).contains("alice/" + alice.session));
    carol.close(); // carol leaves for good
    watcher.awaitEvent(room, "leave carol"); // due after alice's would-be leave: that one had to come first

    assertThat(watcher.events(room)).containsExactly("join watcher", "join alice", "join carol", "leave carol");
    assertThat(members(presence(watcher, room))).containsExactlyInAnyOrder("alice/" + aliceAgain.session, "watcher/" + watcher.session);
  }

  @Test
  @Order(3)
  void presenceIsReadOnlyByThoseWhoMaySubscribe() {
    String room = "chat-3";
    JsonSocket member = client(1, "alice", "chat-*");
    subscribe(member, room, false);
    JsonSocket outsider = client(2, "mallory", "lobby");

    assertThat(subscribe(outsider, room, true).getError().getCode()).isEqualTo(403);
    assertThat(presence(outsider, room).getError().getCode()).isEqualTo(403);
    assertThat(stats(outsider, room).getError().getCode()).isEqualTo(403);
    assertThat(outsider.events(room)).isEmpty();

    String path = "/api/v1/rooms/" + room + "/presence";
    assertThat(PresenceCluster.get(cluster.node(2), path, null).statusCode()).isEqualTo(401);
    assertThat(PresenceCluster.get(cluster.node(2), path, JsonSocket.token("mallory", "lobby")).statusCode()).isEqualTo(403);
    assertThat(PresenceCluster.get(cluster.node(2), path + "/stats", JsonSocket.token("mallory", "lobby")).statusCode()).isEqualTo(403);
    HttpResponse<String> allowed = PresenceCluster.get(cluster.node(2), path, JsonSocket.token("reader", "chat-3"));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).contains(member.session);
  }

  @Test
  @Order(4)
  void aRoomWithMoreMembersThanTheLimitAnswers413ButIsCounted() {
    String room = "chat-4";
    List<JsonSocket> crowd = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      JsonSocket s = client(1 + i % 3, "user" + i, "chat-*");
      subscribe(s, room, false);
      crowd.add(s);
    }

    assertThat(presence(crowd.get(0), room).getError().getCode()).isEqualTo(413);
    assertThat(stats(crowd.get(0), room).getPresenceStats().getSessions()).isEqualTo(6);
    assertThat(PresenceCluster.get(cluster.node(1), "/api/v1/rooms/" + room + "/presence", PresenceCluster.API_KEY).statusCode())
        .isEqualTo(413);
  }

  @Test
  @Order(5)
  void theInfoClaimTravelsWithTheMember() {
    String room = "chat-5";
    JsonSocket watcher = client(1, "watcher", "chat-*");
    subscribe(watcher, room, true);
    JsonSocket alice = JsonSocket.connect(cluster.node(2).ws(),
        JsonSocket.token("alice", List.of("chat-*"), List.of(), Map.of("name", "Alice", "avatar", "a.png")));
    sockets.add(alice);
    subscribe(alice, room, false);

    watcher.awaitEvent(room, "join alice");
    ServerFrame join = watcher.find(f -> f.hasJoin() && f.getJoin().getMember().getUser().equals("alice")).orElseThrow();
    assertThat(join.getJoin().getMember().getInfo().getFieldsMap().get("name").getStringValue()).isEqualTo("Alice");

    String huge = "x".repeat(2000); // over presence.max-info-bytes (1024): refused at authentication
    HttpResponse<String> refused = PresenceCluster.get(cluster.node(1), "/api/v1/rooms/" + room + "/presence",
        JsonSocket.token("big", List.of("chat-*"), List.of(), Map.of("bio", huge)));
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).contains("roomcast.info is").contains("over the limit of 1024");
  }

  @Test
  @Order(99)
  void theMembersOfASigkilledNodeAreGoneWithinTheBound() throws Exception {
    String room = "chat-99";
    JsonSocket watcher = client(1, "watcher", "chat-*");
    subscribe(watcher, room, true);
    JsonSocket dave = client(3, "dave", "chat-*");
    subscribe(dave, room, false);
    watcher.awaitEvent(room, "join dave");

    long killed = System.nanoTime();
    cluster.node(3).kill(); // SIGKILL: no leave is ever sent for dave
    watcher.awaitEvent(room, "leave dave");
    long tookMs = (System.nanoTime() - killed) / 1_000_000;

    // documented bound: ttl + grace + refresh-interval (the sweep runs at the survivors' next refresh)
    long bound = PresenceCluster.TTL.plus(PresenceCluster.GRACE).plus(PresenceCluster.REFRESH).toMillis();
    System.out.println("leave of a SIGKILLed node's member after " + tookMs + " ms (bound " + bound + " ms)");
    assertThat(tookMs).isLessThanOrEqualTo(bound + 1000).isGreaterThanOrEqualTo(PresenceCluster.TTL.toMillis() - 1000);
    assertThat(members(presence(watcher, room))).containsExactly("watcher/" + watcher.session);
  }
}
