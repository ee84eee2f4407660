package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.PresenceStatsRequest;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import io.roomcast.testkit.ClusterRedis;
import io.roomcast.testkit.TestRedis;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Presence and personal rooms on Redis Cluster (sharded pub/sub), two node processes, real sockets. */
class PresenceOnClusterIT {
  private static ClusterRedis redis;
  private static PresenceCluster cluster;
  private final List<JsonSocket> sockets = new ArrayList<>();

  @BeforeAll
  static void start() {
    redis = TestRedis.cluster();
    cluster = PresenceCluster.start("cpres", redis.uri(), 2);
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

  @Test
  void joinsLeavesCountsAndDirectMessagesAcrossNodes() {
    List<String> rooms = List.of("team-a", "team-b", "team-c"); // rooms in different slots
    JsonSocket watcher = client(1, "watcher", "team-*");
    JsonSocket alice = client(2, "alice", "team-*");
    JsonSocket aliceTab = client(1, "alice", "team-*");
    for (String room : rooms) {
      watcher.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom(room).setJoinLeave(true)));
      alice.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom(room)));
      aliceTab.request(ClientFrame.newBuilder().setSubscribe(Subscribe.newBuilder().setRoom(room)));
    }
    for (String room : rooms) {
      watcher.awaitEvent(room, "join alice");
      ServerFrame stats = watcher.request(ClientFrame.newBuilder().setPresenceStats(PresenceStatsRequest.newBuilder().setRoom(room)));
      assertThat(stats.getPresenceStats().getSessions()).isEqualTo(3);
      assertThat(stats.getPresenceStats().getUsers()).isEqualTo(2);
    }

    PresenceCluster.post(cluster.node(1), "/api/v1/rooms/%40alice/messages", PresenceCluster.API_KEY, "to every tab");
    for (JsonSocket s : List.of(alice, aliceTab)) s.await("the direct message", f -> f.hasMessage() && f.getMessage().getRoom().equals("@alice"));
    assertThat(watcher.texts("@alice")).isEmpty();

    alice.close();
    aliceTab.close();
    for (String room : rooms) watcher.awaitEvent(room, "leave alice");
    for (String room : rooms) assertThat(watcher.events(room)).containsExactly("join watcher", "join alice", "leave alice");
  }
}
