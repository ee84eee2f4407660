package io.roomcast.it;

import io.roomcast.testkit.NodeProcess;
import io.roomcast.testkit.TestRedis;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chaos scenario runs on: a Redis of any topology, three node processes using it with the
 * scenario's settings (e.g. {@code ROOMCAST_BROKER_PUBLISH_REPLICAS}), and haproxy in front, as
 * deploy/haproxy/haproxy.cfg configures it. Stopped in reverse.
 */
final class ChaosCluster implements AutoCloseable {
  /** What {@code NodeProcess.start} gives a test cluster's node: a trusted local proxy, quick drains, room for a crowd. */
  private static final Map<String, String> NODE_ENV = Map.of(
      "ROOMCAST_DRAIN_WINDOW", "2s",
      "ROOMCAST_PROXIES_TRUSTED", "127.0.0.1",
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_PER_SECOND", "10000",
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_BURST", "10000");

  final TestRedis redis;
  final List<NodeProcess> nodes = new ArrayList<>();
  LoadBalancer lb;

  private ChaosCluster(TestRedis redis) {
    this.redis = redis;
  }

  /** Starts three nodes on {@code redis}, each ready before the next, then haproxy; closes {@code redis} on failure. */
  static ChaosCluster start(String prefix, TestRedis redis, Map<String, String> settings) {
    ChaosCluster cluster = new ChaosCluster(redis);
    try {
      Map<String, String> env = new HashMap<>(NODE_ENV);
      env.putAll(settings);
      String jar = System.getProperty("roomcast.jar");
      if (jar == null) throw new IllegalStateException("set the system property roomcast.jar to the node's fat jar");
      for (int i = 1; i <= 3; i++) {
        Path log = Files.createTempFile("roomcast-" + prefix + i + "-", ".log");
        cluster.nodes.add(new NodeProcess(prefix + i, jar, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            List.of("--redis", redis.uri()), env, log));
      }
      for (NodeProcess n : cluster.nodes) n.start(); // one after another: three JVMs starting at once on two cores time out
      cluster.lb = LoadBalancer.haproxy(cluster.nodes);
      return cluster;
    } catch (IOException e) {
      cluster.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      if (lb != null) lb.close();
      for (NodeProcess n : nodes) n.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      redis.close();
    }
  }
}
