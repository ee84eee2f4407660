package io.roomcast.it;

import io.roomcast.testkit.NodeProcess;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.util.ArrayList;
import java.util.List;

/** What the end-to-end tests run on: one Redis server and three node processes using it, stopped in reverse. */
final class ThreeNodes implements AutoCloseable {
  final StandaloneRedis redis;
  /** The nodes, named {@code prefix1..prefix3}; each keeps its port across restarts. */
  final List<NodeProcess> nodes = new ArrayList<>();

  private ThreeNodes(StandaloneRedis redis) {
    this.redis = redis;
  }

  /** Starts Redis, then the three nodes, and returns once all three are ready. */
  static ThreeNodes start(String prefix) throws InterruptedException {
    ThreeNodes cluster = new ThreeNodes(TestRedis.standalone());
    try {
      for (int i = 1; i <= 3; i++) cluster.nodes.add(NodeProcess.start(prefix + i, cluster.redis.uri()));
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Kills the nodes still running, then stops Redis. */
  @Override
  public void close() throws InterruptedException {
    try {
      for (NodeProcess n : nodes) n.close();
    } finally {
      redis.close();
    }
  }
}
