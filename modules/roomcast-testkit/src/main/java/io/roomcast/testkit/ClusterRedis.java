package io.roomcast.testkit;

import io.lettuce.core.cluster.SlotHash;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster for tests, from the redis-server binary: masters sharing the 16384 slots evenly
 * (optionally with replicas), on free ports of 127.0.0.1 with free bus ports. Slots are assigned and
 * nodes introduced directly (CLUSTER ADDSLOTSRANGE, MEET), which is faster and more predictable than
 * {@code redis-cli --cluster create}. Each node keeps its nodes.conf, so a restarted node rejoins with
 * its id and slots, but empty.
 */
public final class ClusterRedis implements TestRedis {
  private static final Duration SETTLE = Duration.ofSeconds(30);
  private static final int SLOTS = 16384;

  private final Path dir;
  /** Masters first, then replicas. */
  private final List<RedisProcess> nodes;
  private final int masters;

  private ClusterRedis(Path dir, List<RedisProcess> nodes, int masters) {
    this.dir = dir;
    this.nodes = nodes;
    this.masters = masters;
  }

  static ClusterRedis launch(int masters, int replicasPerMaster, TestRedis.Persistence persistence) {
    if (masters < 1 || replicasPerMaster < 0) throw new IllegalArgumentException("masters >= 1, replicas >= 0");
    Path dir = Poll.tempDir("roomcast-cluster-");
    List<RedisProcess> nodes = new ArrayList<>();
    ClusterRedis cluster = new ClusterRedis(dir, nodes, masters);
    try {
      int total = masters * (1 + replicasPerMaster);
      for (int i = 0; i < total; i++) {
        List<String> config = new ArrayList<>(persistence.config());
        config.addAll(List.of(
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",
            "cluster-node-timeout 2000",
            "cluster-port " + FreePorts.next()));
        RedisProcess node = new RedisProcess("node-" + i, dir.resolve("n" + i), FreePorts.next(), config, false);
        nodes.add(node);
        node.start();
      }
      for (int i = 0; i < masters; i++) {
        RedisProcess master = nodes.get(i);
        master.call("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
        int lo = i * SLOTS / masters;
        int hi = (i + 1) * SLOTS / masters - 1;
        master.call("CLUSTER", "ADDSLOTSRANGE", Integer.toString(lo), Integer.toString(hi));
      }
      for (int i = 1; i < total; i++) {
        nodes.get(0).call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()), busPort(nodes.get(i)));
      }
      for (RedisProcess node : nodes) {
        Poll.until(node.name() + " knows every node", SETTLE, () -> info(node).contains("cluster_known_nodes:" + total));
      }
      for (int i = masters; i < total; i++) {
        String masterId = myId(nodes.get((i - masters) % masters));
        RedisProcess replica = nodes.get(i);
        Poll.until(replica.name() + " replicates", SETTLE, () -> "OK".equals(replica.call("CLUSTER", "REPLICATE", masterId)));
      }
      int replicas = total - masters;
      for (RedisProcess node : nodes) {
        Poll.until(node.name() + " knows every replica", SETTLE, () -> ((String) node.call("CLUSTER", "NODES")).lines()
            .filter(line -> line.contains("slave")).count() == replicas);
      }
      cluster.awaitHealthy();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The seed URI: every master. */
  @Override
  public String uri() {
    StringBuilder uri = new StringBuilder("redis-cluster://");
    for (int i = 0; i < masters; i++) {
      if (i > 0) uri.append(',');
      uri.append("127.0.0.1:").append(nodes.get(i).port());
    }
    return uri.toString();
  }

  /** The slot of a key or channel (its hash tag if it has one). */
  public static int slotOf(String key) {
    return SlotHash.getSlot(key);
  }

  /** The port of the master serving {@code slot}, as the cluster says now. */
  public int portOfSlot(int slot) {
    for (RedisProcess node : nodes) {
      if (!node.alive()) continue;
      try {
        for (Object range : (List<?>) node.call("CLUSTER", "SLOTS")) {
          List<?> r = (List<?>) range;
          if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
        }
      } catch (RuntimeException e) {
        // ask the next node
      }
    }
    throw new IllegalStateException("no node knows who serves slot " + slot);
  }

  /** The port of a running replica of the master serving {@code slot}. */
  public int replicaPortOf(int slot) {
    String masterId = myId(node(portOfSlot(slot)));
    return nodes.stream().filter(n -> n.alive() && masterId.equals(masterOf(n))).findFirst()
        .orElseThrow(() -> new IllegalStateException("the master of slot " + slot + " has no replica")).port();
  }

  /** The port of some master other than the one serving {@code slot}. */
  public int otherMasterPort(int slot) {
    int owner = portOfSlot(slot);
    for (int i = 0; i < masters; i++) {
      int port = nodes.get(i).port();
      if (port != owner && isMaster(nodes.get(i))) return port;
    }
    throw new IllegalStateException("no other master");
  }

  /** SIGKILLs the master serving {@code slot} and starts it again on its port (empty, same node id), then waits for a healthy cluster. */
  public void restartNodeOf(int slot) {
    RedisProcess node = node(portOfSlot(slot));
    node.kill();
    node.start();
    awaitHealthy();
  }

  /**
   * Moves {@code slot} and its keys to the master on {@code targetPort}, the way {@code redis-cli --cluster
   * reshard} does: IMPORTING/MIGRATING, MIGRATE of the keys in batches, then SETSLOT NODE everywhere.
   */
  public void moveSlot(int slot, int targetPort) {
    RedisProcess source = node(portOfSlot(slot));
    RedisProcess target = node(targetPort);
    if (source == target) return;
    String sourceId = myId(source);
    String targetId = myId(target);
    String s = Integer.toString(slot);
    target.call("CLUSTER", "SETSLOT", s, "IMPORTING", sourceId);
    source.call("CLUSTER", "SETSLOT", s, "MIGRATING", targetId);
    for (int batch = 0; batch < 10_000; batch++) {
      List<?> keys = (List<?>) source.call("CLUSTER", "GETKEYSINSLOT", s, "100");
      if (keys.isEmpty()) break;
      List<Object> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target.port()), "", "0", "5000", "KEYS"));
      migrate.addAll(keys);
      source.call(migrate.toArray());
    }
    // the target first, so that the slot is never owned by nobody (as redis-cli does)
    target.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
    source.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
    for (RedisProcess node : nodes) {
      if (node != source && node != target && isMaster(node)) node.call("CLUSTER", "SETSLOT", s, "NODE", targetId);
    }
    for (RedisProcess node : nodes) {
      Poll.until(node.name() + " sees slot " + slot + " on port " + targetPort, SETTLE, () -> {
        for (Object range : (List<?>) node.call("CLUSTER", "SLOTS")) {
          List<?> r = (List<?>) range;
          if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) return ((Long) ((List<?>) r.get(2)).get(1)).intValue() == targetPort;
        }
        return false;
      });
    }
  }

  /** Runs one command on the master serving {@code slot} (SPUBLISH of a room's channel, say). */
  public Object callSlotOwner(int slot, Object... args) {
    return Resp.call(portOfSlot(slot), args);
  }

  /**
   * Fails the master of {@code slot} over to its replica while the replica lacks the master's last
   * writes: with the replica in sync, it SIGSTOPs the replica, cuts the replication link on the master
   * ({@code CLIENT KILL TYPE replica}; the stopped replica cannot reconnect), runs {@code writes}
   * (acknowledged by the master alone), SIGKILLs the master, SIGCONTs the replica and promotes it with
   * {@code CLUSTER FAILOVER TAKEOVER} (no vote, no waiting for the node timeout). Returns the old
   * master's port once the replica serves the slot; the old master stays down ({@link #startNode}).
   */
  public int failoverToLaggingReplica(int slot, Runnable writes) {
    RedisProcess master = node(portOfSlot(slot));
    RedisProcess replica = node(replicaPortOf(slot));
    Poll.until(replica.name() + " is in sync", SETTLE,
        () -> ((String) replica.call("INFO", "replication")).contains("master_link_status:up"));
    replica.signal("STOP");
    try {
      master.call("CLIENT", "KILL", "TYPE", "replica");
      writes.run();
      master.kill();
    } finally {
      replica.signal("CONT");
    }
    replica.call("CLUSTER", "FAILOVER", "TAKEOVER");
    Poll.until(replica.name() + " serves slot " + slot, SETTLE, () -> isMaster(replica) && portOfSlot(slot) == replica.port());
    awaitHealthy();
    return master.port();
  }

  /** Starts a node stopped by {@link #failoverToLaggingReplica} again (it rejoins as a replica), and waits for a healthy cluster. */
  public void startNode(int port) {
    RedisProcess node = node(port);
    if (!node.alive()) node.start();
    awaitHealthy();
  }

  /** BGSAVE on the master of {@code slot}, waiting until written (for {@link TestRedis.Persistence#RDB}). */
  public void snapshotNodeOf(int slot) {
    node(portOfSlot(slot)).snapshot();
  }

  /** The id of the master that {@code node} replicates, or null when it is a master. */
  private static String masterOf(RedisProcess node) {
    String myself = ((String) node.call("CLUSTER", "NODES")).lines()
        .filter(line -> line.contains("myself")).findFirst().orElseThrow();
    String[] fields = myself.split(" ");
    return fields[2].contains("slave") ? fields[3] : null;
  }

  /** Waits until every running node reports cluster_state:ok and agrees on which master serves each slot. */
  public void awaitHealthy() {
    for (RedisProcess node : nodes) {
      if (!node.alive()) continue;
      Poll.until(node.name() + " reports cluster_state:ok", SETTLE,
          () -> info(node).contains("cluster_state:ok") && info(node).contains("cluster_slots_ok:" + SLOTS));
    }
    Poll.until("all nodes agree on the slot map", SETTLE, () -> {
      Object first = null;
      for (RedisProcess node : nodes) {
        if (!node.alive()) continue;
        if (first == null) first = slotOwners(node);
        if (!first.equals(slotOwners(node))) return false;
      }
      return true;
    });
  }

  private static List<String> slotOwners(RedisProcess node) {
    List<String> owners = new ArrayList<>();
    for (Object range : (List<?>) node.call("CLUSTER", "SLOTS")) {
      List<?> r = (List<?>) range;
      owners.add(r.get(0) + "-" + r.get(1) + "@" + ((List<?>) r.get(2)).get(1));
    }
    owners.sort(null);
    return owners;
  }

  private RedisProcess node(int port) {
    for (RedisProcess n : nodes) {
      if (n.port() == port) return n;
    }
    throw new IllegalStateException("no node on port " + port);
  }

  private static boolean isMaster(RedisProcess node) {
    return "master".equals(((List<?>) node.call("ROLE")).get(0));
  }

  private static String info(RedisProcess node) {
    return (String) node.call("CLUSTER", "INFO");
  }

  private static String myId(RedisProcess node) {
    return (String) node.call("CLUSTER", "MYID");
  }

  private static String busPort(RedisProcess node) {
    String myself = ((String) node.call("CLUSTER", "NODES")).lines()
        .filter(line -> line.contains("myself")).findFirst().orElseThrow();
    // "<id> 127.0.0.1:<port>@<bus-port> myself,master ..."
    String address = myself.split(" ")[1];
    return address.substring(address.indexOf('@') + 1).split(",")[0];
  }

  @Override
  public void close() {
    for (RedisProcess node : nodes) node.stop();
    Poll.deleteTree(dir);
  }
}
