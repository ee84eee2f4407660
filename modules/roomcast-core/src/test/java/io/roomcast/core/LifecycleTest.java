package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Pong;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats that find dead clients, and draining that sends live ones away gently. */
class LifecycleTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io io = loop.io();
  private Node node;

  @AfterEach
  void stop() {
    node.close();
  }

  private Node start(Broker broker, Heartbeat heartbeat) {
    node = Node.start(NodeConfig.defaults("life").withHeartbeat(heartbeat), broker, registry, NodeSecurity.open(), loop);
    return node;
  }

  private FakeClient client() {
    return new FakeClient(node, loop, io, WireFormat.PROTO);
  }

  @Test
  void aClientThatAnswersPingsStaysAndASilentOneIsCutOff() {
    start(new MemoryBroker(), new Heartbeat(Duration.ofMillis(150), Duration.ofMillis(100)));
    FakeClient silent = client();
    FakeClient alive = client();
    assertThat(silent.connection.frames.get(0).getConnected().getPingIntervalMs()).isEqualTo(150);

    loop.advance(Duration.ofMillis(150)); // the first ping
    for (int ping = 1; ping <= 3; ping++) { // alive answers each ping at once; silent never does
      assertThat(alive.connection.framesOf(ServerFrame.KindCase.PING)).hasSize(ping);
      alive.send(ClientFrame.newBuilder().setPong(Pong.getDefaultInstance()).build());
      loop.settle();
      if (ping == 1) {
        loop.advance(Duration.ofMillis(99));
        assertThat(silent.connection.closedWith).as("still within the timeout").isNull();
        loop.advance(Duration.ofMillis(1));
        assertThat(silent.connection.closedWith).isEqualTo(Disconnect.NO_PONG);
        loop.advance(Duration.ofMillis(50)); // the next ping, 150 ms after the first
      } else {
        loop.advance(Duration.ofMillis(150)); // past the pong's deadline, to the next ping
      }
    }

    assertThat(alive.connection.closedWith).isNull();
    assertThat(registry.counter(MetricNames.HEARTBEAT_TIMEOUTS).count()).isEqualTo(1);
  }

  @Test
  void theClientsOfOneThreadShareOneHeartbeatTimerAndArePingedOnTime() {
    start(new MemoryBroker(), new Heartbeat(Duration.ofMillis(150), Duration.ofMillis(100)));
    long idle = loop.pendingTimers();
    FakeClient first = client();
    loop.advance(Duration.ofMillis(20));
    FakeClient second = client();
    FakeClient third = client();

    assertThat(loop.pendingTimers() - idle).as("one timer for the thread, not one per connection").isEqualTo(1);
    loop.advance(Duration.ofMillis(129));
    assertThat(first.connection.framesOf(ServerFrame.KindCase.PING)).isEmpty();
    loop.advance(Duration.ofMillis(1)); // 150 ms after the first connected
    assertThat(first.connection.framesOf(ServerFrame.KindCase.PING)).hasSize(1);
    assertThat(second.connection.framesOf(ServerFrame.KindCase.PING)).isEmpty();
    loop.advance(Duration.ofMillis(20)); // 150 ms after the other two
    assertThat(second.connection.framesOf(ServerFrame.KindCase.PING)).hasSize(1);
    assertThat(third.connection.framesOf(ServerFrame.KindCase.PING)).hasSize(1);
    assertThat(loop.pendingTimers() - idle).isEqualTo(1);
  }

  @Test
  void drainingSendsEveryClientAwayToReconnectAndAnswersPublishesInFlightFirst() {
    HeldBroker broker = new HeldBroker();
    start(broker, Heartbeat.defaults());
    FakeClient publisher = client();
    List<FakeClient> idle = List.of(client(), client());
    int id = publisher.publish("room", "in flight");
    loop.settle();
    assertThat(broker.pending).isNotNull();

    CompletableFuture<Void> drained = node.drain(Duration.ofMillis(300));

    assertThat(node.ready()).isFalse();
    assertThat(node.accepting()).isFalse();
    loop.advance(Duration.ofMillis(300)); // every session was told to go within the window
    for (FakeClient c : idle) {
      assertThat(c.connection.closedWith.code()).isEqualTo(1001);
      assertThat(c.connection.closedWith.reconnect()).isTrue();
    }
    assertThat(publisher.connection.closedWith).as("waits for its publish").isNull();
    assertThat(drained).isNotDone();
    broker.pending.complete(new Publication("room", Payload.text("in flight"), 1, "e", 1));
    assertThat(publisher.reply(id).getAck().getOffset()).isEqualTo(1);
    assertThat(publisher.connection.closedWith.code()).isEqualTo(1001);
    assertThat(drained).isDone(); // the last session going completes the drain, no polling
    assertThat(node.sessionCount()).isZero();
  }

  @Test
  void drainSpreadsTheClosesOverTheWindow() {
    start(new MemoryBroker(), Heartbeat.defaults());
    List<FakeClient> clients = List.of(client(), client(), client(), client());

    CompletableFuture<Void> drained = node.drain(Duration.ofMillis(400)); // one every 100 ms, in random order

    for (int gone = 1; gone <= 4; gone++) {
      loop.advance(Duration.ofMillis(gone == 1 ? 0 : 100));
      assertThat(clients.stream().filter(c -> c.connection.closedWith != null)).hasSize(gone);
    }
    assertThat(drained).isDone();
  }

  /** A broker whose one publish waits until the test completes it. */
  private static final class HeldBroker implements Broker {
    volatile CompletableFuture<Publication> pending;
    private final MemoryBroker inner = new MemoryBroker();

    @Override public void start(BrokerListener listener) { inner.start(listener); }
    @Override public CompletionStage<Void> subscribe(String room) { return inner.subscribe(room); }
    @Override public CompletionStage<Void> unsubscribe(String room) { return inner.unsubscribe(room); }
    @Override public CompletionStage<Publication> publish(String room, Payload payload, String key) {
      pending = new CompletableFuture<>();
      return pending;
    }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public void close() { inner.close(); }
  }
}
