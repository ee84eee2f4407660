package io.roomcast.redis;

import static io.roomcast.redis.Fixtures.join;
import static io.roomcast.redis.Fixtures.room;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerContract;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.roomcast.testkit.Resp;
import io.roomcast.testkit.SentinelRedis;
import io.roomcast.testkit.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker contract through Sentinel, and a failover survived by publisher and subscriber alike. */
class RedisBrokerSentinelIT extends BrokerContract {
  private static SentinelRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.sentinel();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) redis.close();
  }

  @Override
  protected Broker newBroker() {
    return RedisBrokers.create(Fixtures.contractConfig(redis.uri()), new SimpleMeterRegistry());
  }

  @Override
  protected java.util.List<String> storedOf(Broker broker, String room) {
    return Fixtures.names(redis.callPrimary("KEYS", Fixtures.keysOf(room)));
  }

  @Test
  void followsAFailoverToTheNewPrimary() {
    Recorder publisherSide = new Recorder();
    Recorder subscriberSide = new Recorder();
    try (Broker publisher = Fixtures.broker(redis.uri(), publisherSide);
        Broker subscriber = Fixtures.broker(redis.uri(), subscriberSide)) {
      String room = room("failover");
      join(subscriber.subscribe(room));
      Publication before = join(publisher.publish(room, Payload.text("before")));
      subscriberSide.awaitText(room, "before");
      int oldPrimary = redis.primaryPort();

      long start = System.nanoTime();
      redis.failover();

      int newPrimary = redis.primaryPort();
      assertThat(newPrimary).isNotEqualTo(oldPrimary);
      String offsetKey = "roomcast:{" + room + "}:offset";
      // publishes must land on the new primary, and reach the subscriber from there
      Publication[] after = new Publication[1];
      await("a publish lands on the new primary and is delivered").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            after[0] = Fixtures.publishUntilDelivered(publisher, subscriberSide, room, "after");
            return String.valueOf(after[0].offset()).equals(Resp.call(newPrimary, "GET", offsetKey));
          });
      System.out.printf("failover: publishes reach the new primary %d ms after SENTINEL FAILOVER%n",
          (System.nanoTime() - start) / 1_000_000);
      // another server process holds the room now: nothing says it has all of the epoch, so a new one
      assertThat(after[0].epoch()).isNotEqualTo(before.epoch());
      assertThat(join(subscriber.position(room))).isEqualTo(after[0].position());
    }
  }

  @Test
  void followsTheSentinelsWhenThePrimaryIsKilled() {
    Recorder publisherSide = new Recorder();
    Recorder subscriberSide = new Recorder();
    try (Broker publisher = Fixtures.broker(redis.uri(), publisherSide);
        Broker subscriber = Fixtures.broker(redis.uri(), subscriberSide)) {
      redis.awaitReplicaInSync(); // after another test's failover, the old primary takes a while to follow
      String room = room("crash");
      join(subscriber.subscribe(room));
      Publication before = join(publisher.publish(room, Payload.text("before")));
      subscriberSide.awaitText(room, "before");
      await("the replica has the room's offset").atMost(Fixtures.WAIT).until(() -> replicaHas(room, before.offset()));

      long start = System.nanoTime();
      int killed = redis.killPrimary();
      try {
        Publication after = Fixtures.publishUntilDelivered(publisher, subscriberSide, room, "after");
        System.out.printf("crash failover: delivering again %d ms after SIGKILL of the primary%n",
            (System.nanoTime() - start) / 1_000_000);
        assertThat(redis.primaryPort()).isNotEqualTo(killed);
        assertThat(after.epoch()).isNotEqualTo(before.epoch());
        assertThat(Fixtures.firstOffsetOf(publisher, room, after.epoch())).isEqualTo(1);
      } finally {
        redis.startServer(killed); // back as an (empty) replica, for the other tests
      }
    }
  }

  @Test
  void aFailoverToALaggingReplicaStartsANewEpochAndTellsTheSubscriber() {
    Recorder publisherSide = new Recorder();
    Resubscriptions subscriberSide = new Resubscriptions();
    try (Broker publisher = Fixtures.broker(redis.uri(), publisherSide);
        Broker subscriber = RedisBrokers.create(Fixtures.config(redis.uri()), new SimpleMeterRegistry())) {
      subscriber.start(subscriberSide);
      redis.awaitReplicaInSync();
      String room = room("lagging");
      join(subscriber.subscribe(room));
      Publication replicated = join(publisher.publish(room, Payload.text("replicated")));
      subscriberSide.publications.awaitText(room, "replicated");
      java.util.List<Publication> lost = new java.util.ArrayList<>();

      int killed = redis.failoverToLaggingReplica(() -> {
        for (int i = 0; i < 3; i++) lost.add(join(publisher.publish(room, Payload.text("acked by the old primary only " + i))));
      });
      try {
        assertThat(lost).extracting(Publication::offset).containsExactly(2L, 3L, 4L);
        Publication after = Fixtures.publishUntilDelivered(publisher, subscriberSide.publications, room, "after");

        assertThat(after.epoch()).isNotEqualTo(replicated.epoch()); // offsets 2.. of the old epoch never repeat
        assertThat(Fixtures.firstOffsetOf(publisher, room, after.epoch())).isEqualTo(1);
        await("the subscriber is told it resubscribed").atMost(Fixtures.WAIT).until(() -> !subscriberSide.of(room).isEmpty());
      } finally {
        redis.startServer(killed);
      }
    }
  }

  @Test
  void withPublishReplicasAnAckMeansTheReplicaHasItAndALaggingReplicaFailsThePublishSafelyToRetry() {
    Recorder rec = new Recorder();
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()).withPublishReplicas(1), new SimpleMeterRegistry())) {
      broker.start(rec);
      redis.awaitReplicaInSync();
      await().atMost(Fixtures.WAIT).until(broker::available);
      String room = room("durable");
      join(broker.subscribe(room));

      // an ack waits for the replica's REPLCONF ACK within WAIT's 500 ms: on a busy machine a publish may
      // answer "not replicated" (503), and retrying it with its key is the contract under test
      Publication first = publishRetried(broker, room, "replicated", "k1");
      assertThat(replicaHas(room, first.offset())).as("on the replica when acknowledged").isTrue();

      int replica = redis.replicaPort();
      redis.freezeServer(replica);
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> join(broker.publish(room, Payload.text("not yet replicated"), "k2")))
            .hasCauseInstanceOf(io.roomcast.core.BrokerUnavailableException.class)
            .hasMessageContaining("acknowledged by 0 of 1 replicas");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Fixtures.COMMAND_TIMEOUT.multipliedBy(2));
        assertThat(broker.available()).as("a lagging replica does not open the breaker").isTrue();
      } finally {
        redis.thawServer(replica);
      }
      redis.awaitReplicaInSync(); // the retry is about the key, not about a replica still catching up

      Publication retried = publishRetried(broker, room, "not yet replicated", "k2");
      assertThat(retried.offset()).isEqualTo(first.offset() + 1); // stored once, by the first attempt
      assertThat(replicaHas(room, retried.offset())).isTrue();
      rec.awaitText(room, "not yet replicated");
      assertThat(rec.texts(room)).containsExactly("replicated", "not yet replicated");
    }
  }

  /** Publishes with {@code key} until acknowledged, as a client told 503 does. */
  private static Publication publishRetried(Broker broker, String room, String text, String key) {
    return await().atMost(Fixtures.WAIT).ignoreExceptions().until(() -> join(broker.publish(room, Payload.text(text), key)), java.util.Objects::nonNull);
  }

  private static boolean replicaHas(String room, long offset) {
    return String.valueOf(offset).equals(Resp.call(redis.replicaPort(), "GET", "roomcast:{" + room + "}:offset"));
  }
}
