package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Broker} guarantees. Each implementation's test extends this class; a broker that
 * spans processes is also tested with two instances standing for two nodes.
 */
public abstract class BrokerContract {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** A new broker, not started, connected to the same backing store as every other one of this test. */
  protected abstract Broker newBroker();

  /** Whether two brokers of {@link #newBroker()} share publications (false for the in-memory one). */
  protected boolean sharedBetweenInstances() {
    return true;
  }

  /**
   * What {@code broker}'s backing store holds of {@code room} now (Redis keys, the in-memory broker's
   * room), named for the failure message; empty when nothing.
   */
  protected abstract List<String> storedOf(Broker broker, String room);

  private final List<Broker> brokers = new ArrayList<>();

  protected Broker started(Recorder recorder) {
    Broker b = newBroker();
    brokers.add(b);
    b.start(recorder);
    return b;
  }

  @BeforeEach
  void resetList() {
    brokers.clear();
  }

  @AfterEach
  void closeAll() {
    brokers.forEach(Broker::close);
  }

  protected static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  private static String room(String name) {
    return name + "-" + Long.toString(System.nanoTime(), 36);
  }

  @Test
  void deliversToASubscribedRoomWithTheOffsetOfTheAck() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("news");
    join(broker.subscribe(room));

    Publication acked = join(broker.publish(room, Payload.text("hello")));

    await().atMost(WAIT).until(() -> rec.of(room).size() == 1);
    Publication got = rec.of(room).get(0);
    assertThat(got.payload().asText()).isEqualTo("hello");
    assertThat(got.payload().text()).isTrue();
    assertThat(got.offset()).isEqualTo(acked.offset()).isEqualTo(1);
    assertThat(got.epoch()).isEqualTo(acked.epoch()).isNotEmpty();
    assertThat(got.timeMs()).isPositive();
  }

  @Test
  void keepsBinaryPayloadsByteForByte() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("bin");
    join(broker.subscribe(room));
    byte[] bytes = {0, (byte) 0xff, 10, 13, (byte) 0x80};

    join(broker.publish(room, Payload.binary(bytes)));

    await().atMost(WAIT).until(() -> rec.of(room).size() == 1);
    assertThat(rec.of(room).get(0).payload().bytes()).containsExactly(bytes);
    assertThat(rec.of(room).get(0).payload().text()).isFalse();
  }

  @Test
  void countsOffsetsPerRoom() {
    Broker broker = started(new Recorder());
    String a = room("a");
    String b = room("b");
    assertThat(join(broker.publish(a, Payload.text("1"))).offset()).isEqualTo(1);
    assertThat(join(broker.publish(a, Payload.text("2"))).offset()).isEqualTo(2);
    assertThat(join(broker.publish(b, Payload.text("1"))).offset()).isEqualTo(1);
    assertThat(join(broker.position(a)).offset()).isEqualTo(2);
    assertThat(join(broker.position(room("empty"))).offset()).isZero();
  }

  @Test
  void deliversNothingOfRoomsNotSubscribed() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String subscribed = room("in");
    String other = room("out");
    join(broker.subscribe(subscribed));

    join(broker.publish(other, Payload.text("not for us")));
    join(broker.publish(subscribed, Payload.text("marker")));

    await().atMost(WAIT).until(() -> rec.of(subscribed).size() == 1);
    assertThat(rec.of(other)).isEmpty();
  }

  @Test
  void stopsDeliveringAfterUnsubscribe() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("gone");
    String marker = room("marker");
    join(broker.subscribe(room));
    join(broker.subscribe(marker));
    join(broker.unsubscribe(room));

    join(broker.publish(room, Payload.text("after")));
    join(broker.publish(marker, Payload.text("marker")));

    await().atMost(WAIT).until(() -> rec.of(marker).size() == 1);
    assertThat(rec.of(room)).isEmpty();
  }

  @Test
  void subscribingTwiceStillDeliversOnce() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("twice");
    String marker = room("marker");
    join(broker.subscribe(room));
    join(broker.subscribe(room));
    join(broker.subscribe(marker));

    join(broker.publish(room, Payload.text("once")));
    join(broker.publish(marker, Payload.text("marker")));

    await().atMost(WAIT).until(() -> rec.of(marker).size() == 1 && rec.of(room).size() == 1);
    join(broker.publish(marker, Payload.text("marker 2")));
    await().atMost(WAIT).until(() -> rec.of(marker).size() == 2);
    assertThat(rec.of(room)).hasSize(1);
  }

  @Test
  void deliversARoomInOffsetOrderUnderConcurrentPublishers() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("race");
    join(broker.subscribe(room));
    int threads = 4;
    int each = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<Publication>> acks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            synchronized (acks) {
              acks.add(broker.publish(room, Payload.text(thread + ":" + i)).toCompletableFuture());
            }
          }
        });
      }
      await().atMost(WAIT).until(() -> rec.of(room).size() == threads * each);
    } finally {
      pool.shutdownNow();
    }
    List<Long> offsets = rec.of(room).stream().map(Publication::offset).toList();
    for (int i = 0; i < offsets.size(); i++) assertThat(offsets.get(i)).isEqualTo(i + 1L);
  }

  @Test
  void historyReplaysWhatCameAfterAPosition() {
    Broker broker = started(new Recorder());
    String room = room("hist");
    String epoch = null;
    for (int i = 1; i <= 5; i++) epoch = join(broker.publish(room, Payload.text("m" + i))).epoch();

    History h = join(broker.history(room, new StreamPosition(2, epoch), 100));

    assertThat(h.complete()).isTrue();
    assertThat(h.latest()).isEqualTo(new StreamPosition(5, epoch));
    assertThat(h.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
    assertThat(h.publications()).extracting(p -> p.payload().asText()).containsExactly("m3", "m4", "m5");
    assertThat(h.publications().get(0).payload().text()).isTrue();
    assertThat(h.publications().get(0).epoch()).isEqualTo(epoch);
  }

  @Test
  void historySaysWhenItCannotServeAPosition() {
    Broker broker = started(new Recorder());
    String room = room("lost");
    String epoch = null;
    for (int i = 1; i <= 5; i++) epoch = join(broker.publish(room, Payload.text("m" + i))).epoch();

    History otherEpoch = join(broker.history(room, new StreamPosition(2, epoch + "x"), 100));
    History cutByLimit = join(broker.history(room, new StreamPosition(0, epoch), 2));
    History upToDate = join(broker.history(room, new StreamPosition(5, epoch), 100));
    History ahead = join(broker.history(room, new StreamPosition(9, epoch), 100));

    assertThat(otherEpoch.complete()).isFalse();
    assertThat(otherEpoch.latest()).isEqualTo(new StreamPosition(5, epoch));
    assertThat(cutByLimit.complete()).isFalse();
    assertThat(upToDate.complete()).isTrue();
    assertThat(upToDate.publications()).isEmpty();
    assertThat(ahead.complete()).isFalse();
  }

  @Test
  void readingAnUnknownRoomCreatesNothing() {
    Broker broker = started(new Recorder());
    String room = room("never");

    join(broker.subscribe(room));
    StreamPosition position = join(broker.position(room));
    History history = join(broker.history(room, StreamPosition.EMPTY, 100));
    History resumed = join(broker.history(room, new StreamPosition(3, "some-old-epoch"), 100));
    join(broker.unsubscribe(room));

    assertThat(storedOf(broker, room)).isEmpty();
    assertThat(position).isEqualTo(StreamPosition.EMPTY);
    assertThat(history.complete()).isTrue();
    assertThat(history.latest()).isEqualTo(StreamPosition.EMPTY);
    assertThat(resumed.complete()).isFalse(); // whatever that client had is gone: it must reload
    assertThat(resumed.latest()).isEqualTo(StreamPosition.EMPTY);
  }

  @Test
  void theFirstPublishAfterAnEmptyPositionIsContinuous() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("fresh");
    join(broker.subscribe(room));
    StreamPosition start = join(broker.position(room));

    Publication first = join(broker.publish(room, Payload.text("first")));
    join(broker.publish(room, Payload.text("second")));

    assertThat(start.offset()).isZero();
    assertThat(first.offset()).isEqualTo(1);
    // the start is EMPTY, or offset 0 of the epoch the first publish used: never another epoch
    assertThat(start.isEmptyRoom() || start.epoch().equals(first.epoch())).as("start %s, first %s", start, first).isTrue();
    await().atMost(WAIT).until(() -> rec.of(room).size() == 2);
    assertThat(rec.of(room)).extracting(Publication::offset).containsExactly(1L, 2L);
    // a client that saw only the empty room and resumes from it gets everything
    History resumed = join(broker.history(room, start, 100));
    assertThat(resumed.complete()).isTrue();
    assertThat(resumed.publications()).extracting(p -> p.payload().asText()).containsExactly("first", "second");
    assertThat(resumed.latest()).isEqualTo(new StreamPosition(2, first.epoch()));
  }

  @Test
  void fansOutToEverySubscribedInstance() {
    if (!sharedBetweenInstances()) return; // one in-memory broker is one node; nothing to share
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    Broker a = started(first);
    Broker b = started(second);
    String room = room("shared");
    join(a.subscribe(room));
    join(b.subscribe(room));

    Publication acked = join(a.publish(room, Payload.text("to both")));

    await().atMost(WAIT).until(() -> first.of(room).size() == 1 && second.of(room).size() == 1);
    assertThat(second.of(room).get(0).offset()).isEqualTo(acked.offset());
    assertThat(join(b.position(room))).isEqualTo(acked.position());
  }

  @Test
  void aRepeatedIdempotencyKeyGetsTheFirstPublicationAndIsDeliveredOnce() {
    Recorder rec = new Recorder();
    Broker broker = started(rec);
    String room = room("idem");
    String marker = room("marker");
    join(broker.subscribe(room));
    join(broker.subscribe(marker));

    Publication first = join(broker.publish(room, Payload.text("once"), "key-1"));
    Publication retry = join(broker.publish(room, Payload.text("once"), "key-1"));
    Publication next = join(broker.publish(room, Payload.text("next"), "key-2"));
    join(broker.publish(marker, Payload.text("marker")));

    assertThat(retry.offset()).isEqualTo(first.offset()).isEqualTo(1);
    assertThat(retry.epoch()).isEqualTo(first.epoch());
    assertThat(next.offset()).isEqualTo(2);
    await().atMost(WAIT).until(() -> rec.of(marker).size() == 1 && rec.of(room).size() >= 2);
    assertThat(rec.texts(room)).containsExactly("once", "next");
    History h = join(broker.history(room, new StreamPosition(0, first.epoch()), 100));
    assertThat(h.publications()).extracting(p -> p.payload().asText()).containsExactly("once", "next");
  }

  @Test
  void idempotencyKeysAreKeptPerRoom() {
    Broker broker = started(new Recorder());
    String a = room("idem-a");
    String b = room("idem-b");

    Publication inA = join(broker.publish(a, Payload.text("1"), "same-key"));
    join(broker.publish(a, Payload.text("2")));
    Publication inB = join(broker.publish(b, Payload.text("1"), "same-key"));
    Publication againInA = join(broker.publish(a, Payload.text("1"), "same-key"));

    assertThat(inA.offset()).isEqualTo(1);
    assertThat(inB.offset()).as("another room: its own publish").isEqualTo(1);
    assertThat(join(broker.position(b)).offset()).isEqualTo(1);
    assertThat(againInA.offset()).isEqualTo(1);
    assertThat(join(broker.position(a)).offset()).isEqualTo(2);
  }

  @Test
  void publishesWithoutAKeyAreNeverDeduplicated() {
    Broker broker = started(new Recorder());
    String room = room("nokey");

    Publication first = join(broker.publish(room, Payload.text("same"), null));
    Publication second = join(broker.publish(room, Payload.text("same"), null));

    assertThat(first.offset()).isEqualTo(1);
    assertThat(second.offset()).isEqualTo(2);
  }
}
