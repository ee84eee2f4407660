package io.roomcast.redis;

import static io.roomcast.redis.Fixtures.WAIT;
import static io.roomcast.redis.Fixtures.join;
import static io.roomcast.redis.Fixtures.room;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import io.roomcast.testkit.ClusterRedis;
import io.roomcast.testkit.TestRedis;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Cluster master failing over to a replica that lagged, and acks that wait for the slot's replica
 * ({@code publish-replicas}): one master with one replica, so that setting up is quick.
 */
class RedisBrokerClusterFailoverIT {
  private static ClusterRedis cluster;

  @BeforeAll
  static void startRedis() {
    cluster = TestRedis.cluster(1, 1);
  }

  @AfterAll
  static void stopRedis() {
    if (cluster != null) cluster.close();
  }

  @Test
  void withPublishReplicasAnAckMeansTheReplicaOfTheRoomsSlotHasIt() {
    Recorder rec = new Recorder();
    try (Broker broker = RedisBrokers.create(Fixtures.config(cluster.uri()).withPublishReplicas(1), new SimpleMeterRegistry())) {
      broker.start(rec);
      String room = room("durable");
      int slot = ClusterRedis.slotOf("roomcast:{" + room + "}");
      await().atMost(WAIT).until(broker::available);
      join(broker.subscribe(room));
      // a replica that is still attaching fails a publish with 503; the key makes the retry safe
      Publication acked = await().atMost(WAIT).ignoreExceptions()
          .until(() -> join(broker.publish(room, Payload.text("replicated"), "k1")), java.util.Objects::nonNull);

      // SCAN, as a replica redirects key commands to its master; the database is small enough for one call
      List<?> scan = (List<?>) io.roomcast.testkit.Resp.call(cluster.replicaPortOf(slot), "SCAN", "0", "MATCH", "roomcast:{" + room + "}:*", "COUNT", "100000");
      assertThat(((List<?>) scan.get(1)).stream().map(String::valueOf).toList()).as("on the slot's replica when acknowledged (offset %d)", acked.offset())
          .contains("roomcast:{" + room + "}:history", "roomcast:{" + room + "}:idem:k1");
      rec.awaitText(room, "replicated");
    }
  }

  @Test
  void aFailoverToALaggingReplicaStartsANewEpochAndTellsTheSubscriber() {
    Recorder publisherSide = new Recorder();
    Resubscriptions subscriberSide = new Resubscriptions();
    try (Broker publisher = Fixtures.broker(cluster.uri(), publisherSide);
        Broker subscriber = RedisBrokers.create(Fixtures.config(cluster.uri()), new SimpleMeterRegistry())) {
      subscriber.start(subscriberSide);
      String room = room("lagging");
      int slot = ClusterRedis.slotOf("roomcast:{" + room + "}");
      join(subscriber.subscribe(room));
      Publication replicated = join(publisher.publish(room, Payload.text("replicated")));
      subscriberSide.publications.awaitText(room, "replicated");
      List<Publication> lost = new ArrayList<>();

      int oldMaster = cluster.failoverToLaggingReplica(slot, () -> {
        for (int i = 0; i < 3; i++) lost.add(join(publisher.publish(room, Payload.text("acked by the old master only " + i))));
      });
      cluster.startNode(oldMaster); // back as a replica: the class's cluster is whole again for the next test

      assertThat(lost).extracting(Publication::offset).containsExactly(2L, 3L, 4L);
      Publication after = Fixtures.publishUntilDelivered(publisher, subscriberSide.publications, room, "after");
      assertThat(after.epoch()).isNotEqualTo(replicated.epoch()); // offsets 2.. of the old epoch never repeat
      assertThat(Fixtures.firstOffsetOf(publisher, room, after.epoch())).isEqualTo(1);
      await("the subscriber is told it resubscribed").atMost(WAIT).until(() -> !subscriberSide.of(room).isEmpty());
    }
  }
}
