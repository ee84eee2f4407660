package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBrokerTest extends BrokerContract {
  @Override
  protected Broker newBroker() {
    return new MemoryBroker();
  }

  @Override
  protected java.util.List<String> storedOf(Broker broker, String room) {
    return ((MemoryBroker) broker).holds(room) ? java.util.List.of(room) : java.util.List.of();
  }

  @Override
  protected boolean sharedBetweenInstances() {
    return false;
  }

  @Test
  void trimmedHistoryCannotServeOldPositions() {
    MemoryBroker broker = new MemoryBroker(3, Duration.ofHours(1), System::currentTimeMillis);
    String epoch = null;
    for (int i = 1; i <= 5; i++) epoch = join(broker.publish("r", Payload.text("m" + i))).epoch();

    assertThat(join(broker.history("r", new StreamPosition(1, epoch), 100)).complete()).isFalse();
    History kept = join(broker.history("r", new StreamPosition(2, epoch), 100));
    assertThat(kept.complete()).isTrue();
    assertThat(kept.publications()).extracting(Publication::offset).containsExactly(3L, 4L, 5L);
  }

  @Test
  void roomsKeepTheHistoryOfTheirLongestMatchingPrefix() {
    RoomHistory policies = new RoomHistory(new RoomHistory.Policy(2, Duration.ofHours(1)), java.util.Map.of(
        "orders:", new RoomHistory.Policy(10, Duration.ofHours(1)),
        "orders:eu:", new RoomHistory.Policy(0, Duration.ofHours(1))));
    MemoryBroker broker = new MemoryBroker(policies, System::currentTimeMillis);
    String epoch = null;
    for (String room : new String[] {"chat", "orders:us", "orders:eu:1"}) {
      for (int i = 1; i <= 5; i++) epoch = join(broker.publish(room, Payload.text("m" + i))).epoch();
    }
    StreamPosition start = new StreamPosition(0, epoch);

    assertThat(join(broker.history("orders:us", start, 100)).publications()).hasSize(5);
    assertThat(join(broker.history("chat", new StreamPosition(3, epoch), 100)).publications()).hasSize(2);
    assertThat(join(broker.history("chat", start, 100)).complete()).isFalse();
    assertThat(join(broker.history("orders:eu:1", new StreamPosition(4, epoch), 100)).complete()).isFalse();
  }

  @Test
  void historyExpiresWhenTheRoomIsQuietForTheTtl() {
    AtomicLong now = new AtomicLong(1_000_000);
    MemoryBroker broker = new MemoryBroker(100, Duration.ofMinutes(1), now::get);
    String epoch = join(broker.publish("r", Payload.text("old"))).epoch();

    now.addAndGet(Duration.ofSeconds(59).toMillis());
    assertThat(join(broker.history("r", new StreamPosition(0, epoch), 100)).complete()).isTrue();
    now.addAndGet(Duration.ofSeconds(1).toMillis());
    History expired = join(broker.history("r", new StreamPosition(0, epoch), 100));

    assertThat(expired.complete()).isFalse();
    assertThat(expired.latest().offset()).as("offsets outlive history").isEqualTo(1);
  }
}
