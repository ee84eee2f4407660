package io.roomcast.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sentinel group for tests: two data servers (one primary, one replica) and three sentinels, all
 * from the redis-server binary. {@link #failover()} swaps the roles and returns once the new primary
 * serves and every sentinel names it.
 */
public final class SentinelRedis implements TestRedis {
  public static final String MASTER_NAME = "mymaster";
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final Path dir;
  /** The two data servers; which one is primary changes with every failover. */
  private final List<RedisProcess> servers;
  private final List<RedisProcess> sentinels;

  private SentinelRedis(Path dir, List<RedisProcess> servers, List<RedisProcess> sentinels) {
    this.dir = dir;
    this.servers = servers;
    this.sentinels = sentinels;
  }

  static SentinelRedis launch(TestRedis.Persistence persistence) {
    Path dir = Poll.tempDir("roomcast-sentinel-");
    List<RedisProcess> servers = new ArrayList<>();
    List<RedisProcess> sentinels = new ArrayList<>();
    SentinelRedis group = new SentinelRedis(dir, servers, sentinels);
    try {
      RedisProcess primary = new RedisProcess("primary", dir.resolve("a"), FreePorts.next(), persistence.config(), false);
      servers.add(primary);
      primary.start();
      List<String> replicaConfig = new ArrayList<>(persistence.config());
      replicaConfig.add("replicaof 127.0.0.1 " + primary.port());
      RedisProcess replica = new RedisProcess("replica", dir.resolve("b"), FreePorts.next(), replicaConfig, false);
      servers.add(replica);
      replica.start();
      Poll.until("the replica is in sync", SETTLE, () -> replicatesFrom(replica, primary.port()));
      for (int i = 0; i < 3; i++) {
        RedisProcess sentinel = new RedisProcess("sentinel-" + i, dir.resolve("s" + i), FreePorts.next(), List.of(
            "sentinel resolve-hostnames no",
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            "sentinel parallel-syncs " + MASTER_NAME + " 1"), true);
        sentinels.add(sentinel);
        sentinel.start();
      }
      for (RedisProcess sentinel : sentinels) {
        Poll.until(sentinel.name() + " knows the replica", SETTLE,
            () -> !((List<?>) sentinel.call("SENTINEL", "REPLICAS", MASTER_NAME)).isEmpty());
        // a failover after a crash needs a majority of sentinels that know each other
        Poll.until(sentinel.name() + " knows the other sentinels", SETTLE,
            () -> ((List<?>) sentinel.call("SENTINEL", "SENTINELS", MASTER_NAME)).size() == 2);
      }
      return group;
    } catch (RuntimeException e) {
      group.close();
      throw e;
    }
  }

  @Override
  public String uri() {
    StringBuilder uri = new StringBuilder("redis-sentinel://");
    for (int i = 0; i < sentinels.size(); i++) {
      if (i > 0) uri.append(',');
      uri.append("127.0.0.1:").append(sentinels.get(i).port());
    }
    return uri.append("/0#").append(MASTER_NAME).toString();
  }

  /** The primary's port, as the first sentinel that answers says. */
  public int primaryPort() {
    for (RedisProcess sentinel : sentinels) {
      try {
        List<?> address = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt((String) address.get(1));
      } catch (RuntimeException e) {
        // try the next sentinel
      }
    }
    throw new IllegalStateException("no sentinel answers");
  }

  /** Promotes the replica (SENTINEL FAILOVER) and waits until the group has settled around it. */
  public void failover() {
    int oldPort = primaryPort();
    RedisProcess oldPrimary = server(oldPort);
    RedisProcess next = servers.get(0) == oldPrimary ? servers.get(1) : servers.get(0);
    Poll.until("the replica is in sync before the failover", SETTLE, () -> replicatesFrom(next, oldPort));
    Poll.until("a sentinel accepts the failover", SETTLE, () -> "OK".equals(sentinels.get(0).call("SENTINEL", "FAILOVER", MASTER_NAME)));
    Poll.until("the replica on port " + next.port() + " is primary", SETTLE,
        () -> ((List<?>) next.call("ROLE")).get(0).equals("master"));
    for (RedisProcess sentinel : sentinels) {
      Poll.until(sentinel.name() + " names the new primary", SETTLE, () -> {
        List<?> address = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt((String) address.get(1)) == next.port();
      });
    }
    // Not awaited: the sentinels turn the old primary into a replica only some 8 s later; the next
    // failover() waits for it.
  }

  /**
   * Fails over to a replica that lacks the primary's last writes, as asynchronous replication allows:
   * with the replica in sync, it SIGSTOPs the replica, cuts the replication link on the primary
   * ({@code CLIENT KILL TYPE replica}: the stopped replica cannot reconnect, so whatever follows stays in
   * the primary's backlog), runs {@code writes} (acknowledged by the primary alone), SIGKILLs the
   * primary, SIGCONTs the replica and has a sentinel promote it ({@code SENTINEL FAILOVER}). Returns
   * once the sentinels name the new primary; the old one stays down (its port is returned; see
   * {@link #startServer}). The replica is stopped well under the sentinels' down-after time (1 s), so
   * that they still take it for a good candidate.
   */
  public int failoverToLaggingReplica(Runnable writes) {
    int oldPort = primaryPort();
    RedisProcess oldPrimary = server(oldPort);
    RedisProcess next = servers.get(0) == oldPrimary ? servers.get(1) : servers.get(0);
    Poll.until("the replica is in sync before the failover", SETTLE, () -> replicatesFrom(next, oldPort));
    next.signal("STOP");
    try {
      oldPrimary.call("CLIENT", "KILL", "TYPE", "replica");
      writes.run();
      oldPrimary.kill();
    } finally {
      next.signal("CONT");
    }
    Poll.until("a sentinel accepts the failover", SETTLE, () -> "OK".equals(sentinels.get(0).call("SENTINEL", "FAILOVER", MASTER_NAME)));
    Poll.until("the replica on port " + next.port() + " is primary", SETTLE,
        () -> ((List<?>) next.call("ROLE")).get(0).equals("master"));
    for (RedisProcess sentinel : sentinels) {
      Poll.until(sentinel.name() + " names the new primary", SETTLE, () -> {
        List<?> address = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt((String) address.get(1)) == next.port();
      });
    }
    return oldPort;
  }

  /** BGSAVE on the primary, waiting until written: with {@link TestRedis.Persistence#RDB}, what a restart of it returns to. */
  public void snapshotPrimary() {
    server(primaryPort()).snapshot();
  }

  /**
   * SIGKILLs the primary and starts it again at once from its files (a stale snapshot with RDB), before
   * the sentinels' down-after time (1 s) runs out: the same server stays primary, with less than it
   * acknowledged. Returns its port.
   */
  public int restartPrimaryFromFiles() {
    RedisProcess primary = server(primaryPort());
    primary.kill();
    primary.start();
    return primary.port();
  }

  /** SIGSTOPs a data server (say the replica: it then acknowledges no replication) until {@link #thawServer}. */
  public void freezeServer(int port) {
    server(port).signal("STOP");
  }

  public void thawServer(int port) {
    server(port).signal("CONT");
  }

  /** Runs one command on a data server by its port (to look at a replica). */
  public Object callServer(int port, Object... args) {
    return server(port).call(args);
  }

  /** Waits until the data server that is not primary replicates from the primary (after a failover, ~10 s). */
  public void awaitReplicaInSync() {
    Poll.until("the replica is in sync", SETTLE, () -> {
      int primary = primaryPort();
      // everything the primary has written so far has reached the replica (a replica just thawed or
      // resynced may have its link up and still be behind)
      long written = replicationOffset(server(primary).call("INFO", "replication"), "master_repl_offset:");
      RedisProcess replica = server(replicaPort());
      return replicatesFrom(replica, primary)
          && replicationOffset(replica.call("INFO", "replication"), "slave_repl_offset:") >= written;
    });
  }

  private static long replicationOffset(Object info, String field) {
    return ((String) info).lines().filter(l -> l.startsWith(field)).mapToLong(l -> Long.parseLong(l.substring(field.length()).trim()))
        .findFirst().orElse(-1);
  }

  /** The port of the data server that is not the primary. */
  public int replicaPort() {
    int primary = primaryPort();
    return servers.get(0).port() == primary ? servers.get(1).port() : servers.get(0).port();
  }

  /** SIGKILLs the current primary and leaves it down (the sentinels then fail over by themselves after about a second). */
  public int killPrimary() {
    int port = primaryPort();
    server(port).kill();
    return port;
  }

  /** Starts a data server killed by {@link #killPrimary()} again, empty; the sentinels make it a replica. */
  public void startServer(int port) {
    RedisProcess server = server(port);
    if (!server.alive()) server.start();
  }

  /** Runs one command on the current primary. */
  public Object callPrimary(Object... args) {
    return Resp.call(primaryPort(), args);
  }

  private RedisProcess server(int port) {
    for (RedisProcess s : servers) {
      if (s.port() == port) return s;
    }
    throw new IllegalStateException("no data server on port " + port);
  }

  private static boolean replicatesFrom(RedisProcess replica, int primaryPort) {
    String info = (String) replica.call("INFO", "replication");
    return info.contains("role:slave") && info.contains("master_port:" + primaryPort) && info.contains("master_link_status:up");
  }

  @Override
  public void close() {
    for (RedisProcess p : sentinels) p.stop();
    for (RedisProcess p : servers) p.stop();
    Poll.deleteTree(dir);
  }
}
