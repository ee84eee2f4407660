package io.roomcast.redis;

import static io.roomcast.redis.Fixtures.WAIT;
import static io.roomcast.redis.Fixtures.join;
import static io.roomcast.redis.Fixtures.room;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerContract;
import io.roomcast.core.BrokerUnavailableException;
import io.roomcast.core.Failures;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import io.roomcast.core.RoomHistory;
import io.roomcast.core.StreamPosition;
import io.roomcast.protocol.v1.Envelope;
import io.roomcast.testkit.Resp;
import io.roomcast.testkit.StandaloneRedis;
import io.roomcast.testkit.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker contract, and what a single Redis server adds: raw publishes from backends, the envelope on the wire. */
class RedisBrokerStandaloneIT extends BrokerContract {
  private static StandaloneRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = TestRedis.standalone();
    System.out.println("standalone redis for this class: " + redis); // which backend ran, in the report
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
  protected List<String> storedOf(Broker broker, String room) {
    return Fixtures.names(redis.call("KEYS", Fixtures.keysOf(room)));
  }

  @Test
  void rawPublishFromABackendReachesSubscribersAsTextWithoutOffset() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("chat");
      join(broker.subscribe(room));

      redis.call("PUBLISH", "roomcast:{" + room + "}", "hello");

      Publication got = rec.awaitText(room, "hello");
      assertThat(got.offset()).isEqualTo(Publication.NO_OFFSET);
      assertThat(got.hasOffset()).isFalse();
      assertThat(got.payload().text()).isTrue();
      assertThat(got.epoch()).isEmpty();
    }
  }

  @Test
  void rawBinaryPublishesStayBinaryEvenWhenTheyStartLikeAnEnvelope() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("bin");
      join(broker.subscribe(room));
      byte[] notUtf8 = {(byte) 0xff, 0, 1, 2};
      byte[] fakeEnvelope = {(byte) 0xC1, 'R', 'C', 1, (byte) 0xff, (byte) 0xff, (byte) 0xff};

      redis.call("PUBLISH", "roomcast:{" + room + "}", notUtf8);
      redis.call("PUBLISH", "roomcast:{" + room + "}", fakeEnvelope);

      await().atMost(WAIT).until(() -> rec.of(room).size() == 2);
      assertThat(rec.of(room).get(0).payload().bytes()).containsExactly(notUtf8);
      assertThat(rec.of(room).get(0).payload().text()).isFalse();
      assertThat(rec.of(room).get(1).payload().bytes()).containsExactly(fakeEnvelope);
      assertThat(rec.of(room).get(1).hasOffset()).isFalse();
    }
  }

  @Test
  void aBackendRunningThePublishScriptGetsOffsetsInTheSameSequence() throws IOException {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("backend");
      join(broker.subscribe(room));
      Publication first = join(broker.publish(room, Payload.text("from a node")));

      // what docs/redis.md tells a backend to do: EVAL the script with the room's keys, channel and payload
      String base = "roomcast:{" + room + "}";
      List<?> reply = (List<?>) redis.call("EVAL", script("publish.lua"), "4", base + ":offset", base + ":epoch", base + ":history",
          base + ":gen", base, "from a backend", "t");

      assertThat(reply.get(0)).isEqualTo(2L);
      assertThat(reply.get(1)).isEqualTo(first.epoch());
      Publication got = rec.awaitText(room, "from a backend");
      assertThat(got.offset()).isEqualTo(2);
      assertThat(got.epoch()).isEqualTo(first.epoch());
      assertThat(got.payload().text()).isTrue();
      assertThat(redis.call("XLEN", base + ":history")).isEqualTo(2L);
      assertThat((Long) redis.call("TTL", base + ":history")).isPositive();
    }
  }

  @Test
  void theScriptWritesExactlyTheEnvelopeProtobufWouldBehindTheMagicBytes() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("wire");
      byte[] big = new byte[300]; // a length that needs a two-byte varint
      for (int i = 0; i < big.length; i++) big[i] = (byte) i;
      join(broker.publish(room, Payload.text("kept")));
      Publication second = join(broker.publish(room, Payload.binary(big)));

      List<?> entries = (List<?>) Resp.callBytes(redis.port(), "XRANGE", "roomcast:{" + room + "}:history", "-", "+");
      byte[] envelope = (byte[]) ((List<?>) ((List<?>) entries.get(1)).get(1)).get(1);

      byte[] expected = Envelope.newBuilder().setData(ByteString.copyFrom(big)).setOffset(2).setEpoch(second.epoch())
          .setTimeMs(second.timeMs()).build().toByteArray();
      assertThat(Arrays.copyOfRange(envelope, 0, 4)).containsExactly(Envelopes.MAGIC);
      assertThat(Arrays.copyOfRange(envelope, 4, envelope.length)).containsExactly(expected);
      assertThat(new String((byte[]) ((List<?>) entries.get(1)).get(0), StandardCharsets.US_ASCII)).isEqualTo("2-0");
    }
  }

  @Test
  void redisKilledAndRestartedEmpty() {
    // The server it restarts serves the other tests too, which is fine: each of them connects afresh.
    Recorder rec = new Recorder();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()), meters)) {
      broker.start(rec);
      String room = room("outage");
      join(broker.subscribe(room));
      Publication before = join(broker.publish(room, Payload.text("before")));
      rec.awaitText(room, "before");
      assertThat(broker.available()).isTrue();

      redis.kill();

      await("available() turns false").atMost(WAIT).until(() -> !broker.available());
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> join(broker.publish(room, Payload.text("during"))))
            .isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(BrokerUnavailableException.class)
            .satisfies(e -> failures.add(e.getCause().getMessage()));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Fixtures.COMMAND_TIMEOUT);
      }
      // the first failures open the breaker (window 4, at least 2 calls); the rest never reach Lettuce
      assertThat(failures.get(failures.size() - 1)).contains("circuit breaker is open");
      assertThat(meters.get("resilience4j.circuitbreaker.state").tag("state", "open").gauge().value()).isEqualTo(1.0);
      assertThatThrownBy(() -> join(broker.position(room))).hasCauseInstanceOf(BrokerUnavailableException.class);

      redis.start();

      await("available() turns true again").atMost(WAIT).until(broker::available);
      Publication after = Fixtures.publishUntilDelivered(broker, rec, room, "after");
      assertThat(after.offset()).isEqualTo(1); // an empty Redis: the stream starts over...
      assertThat(after.epoch()).isNotEqualTo(before.epoch()); // ...in a new epoch
      assertThat(rec.texts(room)).noneMatch(t -> t.equals("during"));
    }
  }

  @Test
  void aNodeStartedWhileRedisIsDownConnectsWhenItComesUp() {
    redis.kill();
    Recorder rec = new Recorder();
    try (Broker broker = RedisBrokers.create(Fixtures.config(redis.uri()), new SimpleMeterRegistry())) {
      broker.start(rec);
      String room = room("late");

      assertThat(broker.available()).isFalse();
      assertThatThrownBy(() -> join(broker.publish(room, Payload.text("too early"))))
          .hasCauseInstanceOf(BrokerUnavailableException.class);
      assertThatThrownBy(() -> join(broker.subscribe(room))).hasCauseInstanceOf(BrokerUnavailableException.class);

      redis.start();

      await("the broker connects by itself").atMost(WAIT).until(broker::available);
      join(broker.subscribe(room));
      Publication p = join(broker.publish(room, Payload.text("in time")));
      assertThat(rec.awaitText(room, "in time").offset()).isEqualTo(p.offset());
    } finally {
      redis.start(); // whatever happened, the other tests need it
    }
  }

  @Test
  void aFrozenRedisFailsPublishesWithinTheTimeLimitInsteadOfHanging() {
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("frozen");
      join(broker.subscribe(room));
      join(broker.publish(room, Payload.text("awake")));
      Duration limit = Fixtures.COMMAND_TIMEOUT.multipliedBy(2).plusMillis(500);

      CompletableFuture<Object> asleep = CompletableFuture.supplyAsync(() -> redis.call("DEBUG", "SLEEP", "3"));

      Throwable failure = null;
      for (int attempt = 0; attempt < 20 && failure == null; attempt++) {
        long start = System.nanoTime();
        try {
          join(broker.publish(room, Payload.text("frozen " + attempt)));
        } catch (CompletionException e) {
          failure = Failures.cause(e);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("attempt %d", attempt).isLessThan(limit);
      }
      assertThat(failure).isInstanceOf(BrokerUnavailableException.class);
      asleep.join();
      Fixtures.publishUntilDelivered(broker, rec, room, "awake again");
    }
  }

  @Test
  void roomsKeepTheHistoryOfTheirLongestMatchingPrefix() {
    RedisBrokerConfig config = RedisBrokerConfig.defaults(redis.uri()).withHistory(new RoomHistory(
        RoomHistory.defaultHistory().defaults(), java.util.Map.of("none:", new RoomHistory.Policy(0, java.time.Duration.ofHours(1)))));
    try (Broker broker = RedisBrokers.create(config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      broker.start(new Recorder());
      String kept = room("kept");
      String none = "none:" + room("x");
      String epochKept = join(broker.publish(kept, Payload.text("a"))).epoch();
      String epochNone = join(broker.publish(none, Payload.text("a"))).epoch();

      assertThat(join(broker.history(kept, new io.roomcast.core.StreamPosition(0, epochKept), 10)).complete()).isTrue();
      assertThat(join(broker.history(none, new io.roomcast.core.StreamPosition(0, epochNone), 10)).complete()).isFalse();
      assertThat(redis.call("EXISTS", "roomcast:{" + none + "}:history")).isEqualTo(0L);
    }
  }

  @Test
  void historyExpiresAndIsTrimmedAsConfigured() {
    Recorder rec = new Recorder();
    String uri = redis.uri();
    RedisBrokerConfig small = RedisBrokerConfig.defaults(uri).withHistory(RoomHistory.uniform(3, java.time.Duration.ofSeconds(1)));
    try (Broker broker = RedisBrokers.create(small, new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      broker.start(rec);
      String room = room("trim");
      String epoch = null;
      // XADD MAXLEN ~ trims whole stream nodes (100 entries each by default): past a few hundred, the oldest go.
      for (int i = 1; i <= 300; i++) epoch = join(broker.publish(room, Payload.text("m" + i))).epoch();
      io.roomcast.core.StreamPosition early = new io.roomcast.core.StreamPosition(1, epoch);
      io.roomcast.core.StreamPosition recent = new io.roomcast.core.StreamPosition(299, epoch);

      assertThat(join(broker.history(room, early, 1000)).complete()).as("trimmed").isFalse();
      assertThat(join(broker.history(room, recent, 100)).publications()).extracting(Publication::offset).containsExactly(300L);
      String e = epoch;
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !join(broker.history(room, new io.roomcast.core.StreamPosition(299, e), 100)).complete());
      assertThat(join(broker.position(room)).offset()).as("offsets outlive the history").isEqualTo(300);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void subscribersAndReadersOfUnknownRoomsLeaveNoKeyInRedis() throws IOException {
    String prefix = "keys" + Long.toString(System.nanoTime(), 36) + ":"; // this test's keys only
    RedisBrokerConfig config = Fixtures.config(redis.uri());
    config = new RedisBrokerConfig(config.uri(), prefix, config.history(), config.commandTimeout(),
        config.resubscribeInterval(), config.breaker());
    Recorder rec = new Recorder();
    try (Broker broker = RedisBrokers.create(config, new SimpleMeterRegistry())) {
      broker.start(rec);
      for (int i = 0; i < 50; i++) {
        String room = "ghost-" + i;
        join(broker.subscribe(room));
        assertThat(join(broker.position(room))).isEqualTo(StreamPosition.EMPTY);
        join(broker.history(room, StreamPosition.EMPTY, 100));
        join(broker.history(room, new StreamPosition(7, "an-epoch-from-elsewhere"), 100));
      }
      // and a backend reading a position with the script itself, as docs/redis.md shows
      String base = prefix + "{ghost-0}";
      List<Object> read = (List<Object>) redis.call("EVAL", script("history.lua"), "4", base + ":offset", base + ":epoch", base + ":history",
          base + ":gen", "0", "0");

      assertThat(read).containsExactly(0L, "");
      assertThat(Fixtures.names(redis.call("KEYS", prefix + "*"))).isEmpty();

      // the first publish makes the room's keys, and the subscriber gets it as offset 1
      Publication first = join(broker.publish("ghost-0", Payload.text("first")));
      assertThat(rec.awaitText("ghost-0", "first").offset()).isEqualTo(1);
      assertThat(first.epoch()).isNotEmpty();
      assertThat(Fixtures.names(redis.call("KEYS", prefix + "*")))
          .containsExactlyInAnyOrder(base + ":offset", base + ":epoch", base + ":history", base + ":gen");
    }
  }

  @Test
  void roomsWhoseKeysAnOlderVersionMadeStartANewEpoch() {
    // Older versions stored no gen (the run_id that made the epoch): nothing says this server holds all
    // of that epoch, so its first publish starts a new one.
    Recorder rec = new Recorder();
    try (Broker broker = Fixtures.broker(redis.uri(), rec)) {
      String room = room("old");
      String base = "roomcast:{" + room + "}";
      redis.call("SET", base + ":epoch", "e-old", "EX", "600");
      redis.call("SET", base + ":offset", "0", "EX", "600");
      join(broker.subscribe(room));
      StreamPosition start = join(broker.position(room));

      Publication first = join(broker.publish(room, Payload.text("first")));

      assertThat(start).isEqualTo(StreamPosition.EMPTY);
      assertThat(first.offset()).isEqualTo(1);
      assertThat(first.epoch()).isNotEqualTo("e-old");
      assertThat(rec.awaitText(room, "first").position()).isEqualTo(first.position());
    }
  }

  @Test
  void theHistoryScriptIsReadOnlyForRedis() throws IOException {
    // the no-writes flag makes Redis refuse a write: proof that a change to the script cannot start creating keys
    String writing = script("history.lua").replace("return {0, ''}", "redis.call('SET', KEYS[1], 0) return {0, ''}");
    String base = "roomcast:{" + room("ro") + "}";

    assertThatThrownBy(() -> redis.call("EVAL", writing, "4", base + ":offset", base + ":epoch", base + ":history", base + ":gen", "0", "0"))
        .hasMessageContaining("Write commands are not allowed from read-only scripts");
    assertThat(redis.call("EXISTS", base + ":offset")).isEqualTo(0L);
  }

  private static String script(String name) throws IOException {
    try (InputStream in = RedisBroker.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
