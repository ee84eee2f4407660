package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.testkit.ClusterRedis;
import io.roomcast.testkit.Resp;
import io.roomcast.testkit.SentinelRedis;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost, proven by breaking things under traffic (issue 13): Redis restarted from a stale
 * snapshot, Sentinel failed over to a replica that lagged, a Cluster master failed over to its lagging
 * replica, and node processes SIGKILLed along the way, while Java clients, HTTP callers and backends
 * through the publish script publish and retry with idempotency keys. {@link ChaosChecker} then holds
 * every subscriber of every room to the promise: each acknowledged message Redis still holds arrives
 * once and in order; anything else was announced by a reset; with {@code publish-replicas = 1} no
 * acknowledged message is lost at all. Faults are staged after counts of acks, never after a time.
 *
 * <p>Each scenario runs its fault cycle once in CI; {@code -Droomcast.chaos.minutes=10} repeats the
 * cycles for ten minutes in all (split over the scenarios) and prints the figures of each.
 */
class ChaosIT {
  private static final int ROOMS = 12;
  private static final int PER_ROOM = 4;
  private static final int PER_SECOND = 40;
  private static final int SCENARIOS = 4;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newHttpClient();

  /** How long each scenario goes on cycling: zero (one cycle) unless -Droomcast.chaos.minutes is set. */
  private static Duration duration() {
    String minutes = System.getProperty("roomcast.chaos.minutes", "").trim();
    if (minutes.isEmpty() || minutes.startsWith("$")) return Duration.ZERO;
    return Duration.ofSeconds((long) (Double.parseDouble(minutes) * 60 / SCENARIOS));
  }

  private ChaosRun run(String name, TestRedis redis, int publishReplicas) {
    ChaosCluster cluster = ChaosCluster.start(name, redis, Map.of("ROOMCAST_BROKER_PUBLISH_REPLICAS", Integer.toString(publishReplicas)));
    ChaosRun run = new ChaosRun(name, cluster);
    try {
      run.subscribe(ROOMS, PER_ROOM).publish(List.of(
          ChaosPublisher.webSocket(cluster.lb.ws(), http),
          ChaosPublisher.http(cluster.lb, http),
          ChaosPublisher.redis(RedisBrokerConfig.defaults(redis.uri()).withPublishReplicas(publishReplicas))), PER_SECOND);
      return run;
    } catch (RuntimeException | Error e) {
      run.close();
      throw e;
    }
  }

  @Test
  void redisRestartedFromAStaleSnapshot() throws Exception {
    StandaloneRedis redis = TestRedis.standalone(TestRedis.Persistence.RDB);
    try (ChaosRun run = run("snapshot", redis, 0)) {
      run.cycles(duration(), cycle -> {
        run.awaitAcks(150);
        run.killBusiestNode();
        run.awaitAcks(150);
        redis.snapshot();
        run.fault("snapshot");
        run.awaitAcks(200); // acknowledged after the snapshot: the restarted Redis will not have them
        redis.kill();
        redis.start(); // with the snapshot's data
        run.fault("Redis SIGKILLed and restarted from its snapshot");
        run.killBusiestNode();
        run.awaitAcks(200);
      });
      ChaosReport report = run.finish(room -> redis.port(), false);

      assertThat(report.clean()).as(report.toString()).isTrue();
      assertThat(run.logs).as("every subscriber is told its room's stream went back").allMatch(ChaosLog::wasReset);
    }
  }

  @Test
  void sentinelFailsOverToALaggingReplica() throws Exception {
    SentinelRedis redis = TestRedis.sentinel();
    try (ChaosRun run = run("sentinel", redis, 0)) {
      run.cycles(duration(), cycle -> failOverSentinelToALaggingReplica(run, redis, 200));
      ChaosReport report = run.finish(room -> redis.primaryPort(), false);

      assertThat(report.clean()).as(report.toString()).isTrue();
      assertThat(run.logs).as("every subscriber is told its room lost acknowledged messages").allMatch(ChaosLog::wasReset);
    }
  }

  @Test
  void sentinelWithPublishReplicasLosesNoAcknowledgedMessage() throws Exception {
    SentinelRedis redis = TestRedis.sentinel();
    try (ChaosRun run = run("durable", redis, 1)) {
      // few answers: each waits out WAIT's timeout while the replica lags, and Sentinel will not promote
      // a replica whose link has been down for more than ten times its down-after time (1 s here)
      run.cycles(duration(), cycle -> failOverSentinelToALaggingReplica(run, redis, 6));
      ChaosReport report = run.finish(room -> redis.primaryPort(), true);

      assertThat(report.clean()).as(report.toString()).isTrue();
      assertThat(report.acknowledged).isPositive();
    }
  }

  /** Kills a node, makes the replica lag for {@code lagAnswers} publish answers, kills the primary, kills another node. */
  private static void failOverSentinelToALaggingReplica(ChaosRun run, SentinelRedis redis, int lagAnswers) throws Exception {
    run.awaitAcks(150);
    run.killBusiestNode();
    run.awaitAcks(150);
    int replica = redis.replicaPort();
    int primary = redis.primaryPort();
    RedisFaults.lag(replica);
    run.until("the replica lost its link", SETTLE, () -> RedisFaults.linkDown(replica));
    run.fault("replica lags");
    run.awaitAnswers(lagAnswers); // acknowledged (or refused) while the replica has none of it
    redis.killPrimary();
    run.fault("primary SIGKILLed");
    run.until("the sentinels promote the lagging replica", Duration.ofSeconds(90), () -> redis.primaryPort() == replica
        && ((List<?>) Resp.call(replica, "ROLE")).get(0).equals("master"));
    RedisFaults.heal(replica);
    redis.startServer(primary); // empty; the sentinels make it a replica
    // in sync before more acks are awaited: with publish-replicas 1 there are none without a replica,
    // and the next cycle's replica must have everything before it can lag (Sentinel takes its time)
    run.until("the old primary replicates the new one", Duration.ofSeconds(120), () -> {
      redis.awaitReplicaInSync();
      return true;
    });
    run.killBusiestNode();
    run.awaitAcks(200);
  }

  @Test
  void clusterMasterFailsOverToALaggingReplica() throws Exception {
    ClusterRedis redis = TestRedis.cluster(3, 1);
    try (ChaosRun run = run("cluster", redis, 0)) {
      int slot = ClusterRedis.slotOf("roomcast:{" + run.rooms.get(0) + "}");
      run.cycles(duration(), cycle -> {
        run.awaitAcks(150);
        run.killBusiestNode();
        run.awaitAcks(150);
        int master = redis.portOfSlot(slot);
        int replica = redis.replicaPortOf(slot);
        RedisFaults.lag(replica);
        run.until("the replica lost its link", SETTLE, () -> RedisFaults.linkDown(replica));
        run.fault("replica of " + master + " lags");
        run.awaitAnswers(200);
        Resp.call(replica, "CLUSTER", "FAILOVER", "FORCE");
        run.fault("CLUSTER FAILOVER FORCE to the lagging replica");
        run.until("the lagging replica serves the slot", SETTLE, () -> redis.portOfSlot(slot) == replica);
        RedisFaults.heal(replica);
        redis.awaitHealthy();
        run.killBusiestNode();
        run.awaitAcks(200);
      });
      ChaosReport report = run.finish(room -> redis.portOfSlot(ClusterRedis.slotOf("roomcast:{" + room + "}")), false);

      assertThat(report.clean()).as(report.toString()).isTrue();
      assertThat(run.logs.stream().filter(l -> ClusterRedis.slotOf("roomcast:{" + l.room + "}") == slot))
          .as("every subscriber of the failed-over room is told it lost acknowledged messages").allMatch(ChaosLog::wasReset);
    }
  }
}
