package io.roomcast.redis;

import static io.roomcast.redis.Fixtures.join;
import static io.roomcast.redis.Fixtures.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerContract;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.testkit.SentinelRedis;
import io.roomcast.testkit.TestRedis;
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
    return RedisBrokers.create(Fixtures.config(redis.uri()), new SimpleMeterRegistry());
  }

  @Test
  void followsAFailoverToTheNewPrimary() {
    Fixtures.Recorder publisherSide = new Fixtures.Recorder();
    Fixtures.Recorder subscriberSide = new Fixtures.Recorder();
    try (Broker publisher = Fixtures.broker(redis.uri(), publisherSide);
        Broker subscriber = Fixtures.broker(redis.uri(), subscriberSide)) {
      String room = room("failover");
      join(subscriber.subscribe(room));
      Publication before = join(publisher.publish(room, Payload.text("before")));
      subscriberSide.awaitText(room, "before");
      int oldPrimary = redis.primaryPort();

      redis.failover();

      assertThat(redis.primaryPort()).isNotEqualTo(oldPrimary);
      Publication after = Fixtures.publishUntilDelivered(publisher, subscriberSide, room, "after");
      // the replica had the room's keys: the stream goes on in the same epoch
      assertThat(after.epoch()).isEqualTo(before.epoch());
      assertThat(after.offset()).isGreaterThan(before.offset());
      assertThat(join(subscriber.position(room))).isEqualTo(after.position());
    }
  }
}
