package io.roomcast.core;

import static io.roomcast.core.FakeClient.waiting;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats that find dead clients, and draining that sends live ones away gently. */
class LifecycleTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService io = Executors.newSingleThreadExecutor();
  private Node node;

  @AfterEach
  void stop() {
    node.close();
    io.shutdownNow();
  }

  private Node start(Broker broker, Heartbeat heartbeat) {
    node = Node.start(NodeConfig.defaults("life").withHeartbeat(heartbeat), broker, registry);
    return node;
  }

  @Test
  void aClientThatAnswersPingsStaysAndASilentOneIsCutOff() {
    start(new MemoryBroker(), new Heartbeat(Duration.ofMillis(150), Duration.ofMillis(100)));
    FakeClient silent = new FakeClient(node, io, WireFormat.PROTO);
    FakeClient alive = new FakeClient(node, io, WireFormat.PROTO);
    assertThat(silent.connection.frames.get(0).getConnected().getPingIntervalMs()).isEqualTo(150);

    for (int answered = 0; answered < 3; ) { // answer three pings, one at a time
      int seen = alive.connection.framesOf(ServerFrame.KindCase.PING).size();
      if (seen > answered) {
        alive.send(ClientFrame.newBuilder().setPong(Pong.getDefaultInstance()).build());
        answered++;
      }
      waiting().until(() -> alive.connection.framesOf(ServerFrame.KindCase.PING).size() > seen || silent.connection.closedWith != null);
    }

    assertThat(silent.connection.closedWith).isEqualTo(Disconnect.NO_PONG);
    assertThat(alive.connection.closedWith).isNull();
    assertThat(registry.counter(MetricNames.HEARTBEAT_TIMEOUTS).count()).isEqualTo(1);
  }

  @Test
  void drainingSendsEveryClientAwayToReconnectAndAnswersPublishesInFlightFirst() {
    HeldBroker broker = new HeldBroker();
    start(broker, Heartbeat.defaults());
    FakeClient publisher = new FakeClient(node, io, WireFormat.PROTO);
    List<FakeClient> idle = List.of(new FakeClient(node, io, WireFormat.PROTO), new FakeClient(node, io, WireFormat.PROTO));
    int id = publisher.publish("room", "in flight");
    waiting().until(() -> broker.pending != null);

    CompletableFuture<Void> drained = node.drain(Duration.ofMillis(200));

    assertThat(node.ready()).isFalse();
    assertThat(node.accepting()).isFalse();
    for (FakeClient c : idle) {
      waiting().until(() -> c.connection.closedWith != null);
      assertThat(c.connection.closedWith.code()).isEqualTo(1001);
      assertThat(c.connection.closedWith.reconnect()).isTrue();
    }
    assertThat(publisher.connection.closedWith).as("waits for its publish").isNull();
    broker.pending.complete(new Publication("room", Payload.text("in flight"), 1, "e", 1));
    assertThat(publisher.awaitReply(id).getAck().getOffset()).isEqualTo(1);
    waiting().until(drained::isDone);
    assertThat(publisher.connection.closedWith.code()).isEqualTo(1001);
    assertThat(node.sessionCount()).isZero();
  }

  /** A broker whose one publish waits until the test completes it. */
  private static final class HeldBroker implements Broker {
    volatile CompletableFuture<Publication> pending;
    private final MemoryBroker inner = new MemoryBroker();

    @Override public void start(BrokerListener listener) { inner.start(listener); }
    @Override public CompletionStage<Void> subscribe(String room) { return inner.subscribe(room); }
    @Override public CompletionStage<Void> unsubscribe(String room) { return inner.unsubscribe(room); }
    @Override public CompletionStage<Publication> publish(String room, Payload payload) {
      pending = new CompletableFuture<>();
      return pending;
    }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public void close() { inner.close(); }
  }
}
