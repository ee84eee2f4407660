package io.roomcast.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixtures do what their javadoc says: ports kept across restarts, empty restarts, a cluster with replicas. */
class RedisFixturesIT {
  @Test
  void aStandaloneServerRestartsEmptyOnTheSamePort() {
    try (StandaloneRedis redis = TestRedis.standalone()) {
      redis.call("SET", "k", "v");
      int port = redis.port();

      redis.kill();
      assertThat(Resp.pings(port)).isFalse();
      redis.start();

      assertThat(redis.port()).isEqualTo(port);
      assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + port);
      assertThat(redis.call("GET", "k")).isNull();
    }
  }

  @Test
  void aClusterWithReplicasServesEverySlotAndMovesOne() {
    try (ClusterRedis cluster = TestRedis.cluster(3, 1)) {
      int slot = ClusterRedis.slotOf("{room}");
      int owner = cluster.portOfSlot(slot);
      String nodes = (String) Resp.call(owner, "CLUSTER", "NODES");
      assertThat(nodes.lines().filter(l -> l.contains("slave"))).hasSize(3);
      assertThat(cluster.uri()).startsWith("redis-cluster://127.0.0.1:").matches("redis-cluster://[0-9.:,]+");
      cluster.callSlotOwner(slot, "SET", "{room}:k", "v");

      int target = cluster.otherMasterPort(slot);
      cluster.moveSlot(slot, target);

      assertThat(cluster.portOfSlot(slot)).isEqualTo(target);
      assertThat(Resp.call(target, "GET", "{room}:k")).isEqualTo("v"); // the key moved with its slot
      assertThat((List<?>) Resp.call(owner, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "10")).isEmpty();
    }
  }
}
