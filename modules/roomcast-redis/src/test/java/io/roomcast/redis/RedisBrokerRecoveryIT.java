package io.roomcast.redis;

import static io.roomcast.redis.Fixtures.WAIT;
import static io.roomcast.redis.Fixtures.join;
import static io.roomcast.redis.Fixtures.room;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisCommandExecutionException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import io.roomcast.core.StreamPosition;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the broker does when Redis loses, replays or stalls (issue 13), on one server that keeps RDB
 * snapshots as deployments do: a restart from an older snapshot (and, on a server of its own, from an
 * append-only file), retried publishes, a frozen server, a dropped pub/sub connection, a stale
 * subscribe failure.
 */
class RedisBrokerRecoveryIT {
  private static StandaloneRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.standalone(TestRedis.Persistence.RDB);
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) redis.close();
  }

  @Test
  void aRestartFromAnOlderSnapshotStartsANewEpochBeforeAnyOffset() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("snapshot");
      await().atMost(WAIT).until(broker::available);
      join(broker.subscribe(room));
      for (int i = 1; i <= 3; i++) join(broker.publish(room, Payload.text("saved " + i)));
      redis.snapshot();
      Publication lastAcked = null;
      for (int i = 4; i <= 5; i++) lastAcked = join(broker.publish(room, Payload.text("acked, then lost " + i)));

      redis.kill();
      redis.start(); // with the snapshot: offset 3 of the same epoch on disk

      assertThat(redis.call("GET", "roomcast:{" + room + "}:offset")).as("the snapshot came back").isEqualTo("3");
      assertANewEpochFromOffsetOne(broker, rec, room, lastAcked);
    }
  }

  /** After a restart the room has no live stream (its epoch is void), and the next publish starts a new epoch at offset 1. */
  private static void assertANewEpochFromOffsetOne(Broker broker, Recorder rec, String room, Publication lastAcked) {
    await().atMost(WAIT).until(broker::available);
    assertThat(join(broker.position(room))).as("no live stream: the old epoch is void").isEqualTo(StreamPosition.EMPTY);
    Publication after = Fixtures.publishUntilDelivered(broker, rec, room, "after");
    assertThat(after.epoch()).isNotEqualTo(lastAcked.epoch());
    // offset 1 of the new epoch (publishUntilDelivered may have needed more than one attempt)
    assertThat(Fixtures.firstOffsetOf(broker, room, after.epoch())).isEqualTo(1);
  }

  @Test
  void aRestartFromAnAppendOnlyFileStartsANewEpochWhateverTheLastSecondKept() {
    // appendfsync everysec: a SIGKILL loses up to a second of acknowledged writes, and which ones is
    // chance; the new epoch does not depend on it
    StandaloneRedis aof = TestRedis.standalone(TestRedis.Persistence.AOF);
    Recorder rec = new Recorder();
    try (aof; Broker broker = Fixtures.broker(aof.uri(), rec)) {
      String room = room("aof");
      await().atMost(WAIT).until(broker::available);
      join(broker.subscribe(room));
      Publication lastAcked = null;
      for (int i = 1; i <= 5; i++) lastAcked = join(broker.publish(room, Payload.text("acked " + i)));

      aof.kill();
      aof.start();

      assertANewEpochFromOffsetOne(broker, rec, room, lastAcked);
    }
  }

  @Test
  void aPublishRetriedWithTheSameKeyIsStoredAndDeliveredOnce() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec);
        Broker otherNode = Fixtures.broker(redis.uri(), new Recorder())) {
      String room = room("idem");
      await().atMost(WAIT).until(() -> broker.available() && otherNode.available());
      join(broker.subscribe(room));

      Publication first = join(broker.publish(room, Payload.text("once"), "key-1"));
      Publication retry = join(otherNode.publish(room, Payload.text("once"), "key-1"));
      Publication other = join(broker.publish(room, Payload.text("another"), "key-2"));

      assertThat(retry.position()).isEqualTo(first.position());
      assertThat(retry.timeMs()).isEqualTo(first.timeMs());
      assertThat(other.offset()).isEqualTo(first.offset() + 1);
      rec.awaitText(room, "another");
      assertThat(rec.texts(room)).containsExactly("once", "another");
      assertThat(redis.call("XLEN", "roomcast:{" + room + "}:history")).isEqualTo(2L);
      long ttl = (Long) redis.call("PTTL", "roomcast:{" + room + "}:idem:key-1");
      assertThat(ttl).isPositive().isLessThanOrEqualTo(RedisBrokerConfig.DEFAULT_IDEMPOTENCY_WINDOW.toMillis());
      assertThatThrownBy(() -> join(broker.publish(room, Payload.text("x"), "k".repeat(65))))
          .hasCauseInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aKeyFromAnEpochThatWasLostDoesNotAnswerWithItsStaleOffset() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("idem-epoch");
      await().atMost(WAIT).until(broker::available);
      join(broker.subscribe(room));
      Publication first = join(broker.publish(room, Payload.text("first try"), "key"));
      redis.snapshot(); // the key and the message are in the snapshot...

      redis.kill();
      redis.start(); // ...and come back, in an epoch this server did not make

      await().atMost(WAIT).until(broker::available);
      Publication[] retry = new Publication[1];
      await().atMost(WAIT).ignoreExceptions().until(() -> {
        retry[0] = join(broker.publish(room, Payload.text("retried"), "key"));
        return true;
      });
      assertThat(retry[0].epoch()).isNotEqualTo(first.epoch());
      assertThat(retry[0].offset()).isEqualTo(1);
      assertThat(rec.awaitText(room, "retried").position()).isEqualTo(retry[0].position());
    }
  }

  @Test
  void aFrozenRedisIsNoticedWithinTheProbeBoundAndRepairedWhenItThaws() {
    Duration interval = Duration.ofMillis(200);
    Duration timeout = Duration.ofMillis(400);
    Resubscriptions listener = new Resubscriptions();
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()).withProbe(interval, timeout), new SimpleMeterRegistry())) {
      broker.start(listener);
      String room = room("frozen");
      join(broker.subscribe(room));
      await().atMost(WAIT).until(broker::available);

      long frozenAt = System.nanoTime();
      redis.freeze();
      try {
        await("the node notices").atMost(interval.plus(timeout).plusMillis(700)).pollInterval(Duration.ofMillis(10))
            .until(() -> !broker.available());
        System.out.printf("frozen redis noticed after %d ms (probe every %s, timeout %s)%n",
            (System.nanoTime() - frozenAt) / 1_000_000, interval, timeout);
        assertThat(listener.of(room)).isEmpty();
      } finally {
        redis.thaw();
      }

      await("the room is resubscribed and repaired").atMost(WAIT).until(() -> !listener.of(room).isEmpty());
      await().atMost(WAIT).until(broker::available);
      Publication p = join(broker.publish(room, Payload.text("thawed")));
      assertThat(listener.publications.awaitText(room, "thawed").position()).isEqualTo(p.position());
    }
  }

  @Test
  void aDroppedPubSubConnectionIsResubscribedAndEveryRoomToldOnceInEffect() {
    Resubscriptions listener = new Resubscriptions();
    AtomicReference<Object> subscribersWhenTold = new AtomicReference<>();
    String room = room("dropped");
    String quiet = room("quiet");
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()), new SimpleMeterRegistry())) {
      broker.start(new io.roomcast.core.BrokerListener() {
        @Override
        public void onPublication(Publication publication) {
          listener.onPublication(publication);
        }

        @Override
        public void onResubscribed(String r) {
          if (r.equals(room)) subscribersWhenTold.compareAndSet(null, redis.call("PUBSUB", "NUMSUB", "roomcast:{" + room + "}"));
          listener.onResubscribed(r);
        }
      });
      await().atMost(WAIT).until(broker::available); // connected (a loaded machine may need a second try)
      join(broker.subscribe(room));
      join(broker.subscribe(quiet));

      redis.call("CLIENT", "KILL", "TYPE", "pubsub");

      await("both rooms are told").atMost(WAIT).until(() -> !listener.of(room).isEmpty() && !listener.of(quiet).isEmpty());
      assertThat(subscribersWhenTold.get()).as("subscribed again when told").isEqualTo(List.of("roomcast:{" + room + "}", 1L));
      Publication p = join(broker.publish(room, Payload.text("after")));
      assertThat(listener.publications.awaitText(room, "after").offset()).isEqualTo(p.offset());
    }
  }

  @Test
  void aStaleSubscribeFailureDoesNotDropANewerSubscription() {
    CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    String room = room("stale");
    Recorder rec = new Recorder();
    boolean[] held = {false};
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()), new SimpleMeterRegistry(),
        link -> new ForwardingLink(link) {
          @Override
          public CompletionStage<Void> subscribe(List<byte[]> channels) {
            synchronized (held) {
              if (!held[0]) {
                held[0] = true;
                return firstAttempt; // the test decides how the first subscribe ends
              }
            }
            return super.subscribe(channels);
          }
        })) {
      broker.start(rec);
      await().atMost(WAIT).until(broker::available);
      CompletionStage<Void> stale = broker.subscribe(room);
      join(broker.subscribe(room)); // a newer subscribe succeeds while the first is still out

      firstAttempt.completeExceptionally(new RedisCommandExecutionException("ERR injected: the older subscribe failed"));

      assertThatThrownBy(() -> join(stale)).isInstanceOf(CompletionException.class);
      Publication p = join(broker.publish(room, Payload.text("heard")));
      assertThat(rec.awaitText(room, "heard").offset()).isEqualTo(p.offset());
    }
  }
}
