package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests that cannot be carried out: refused (400) before anything is added, or failed (500) with nothing left half-done. */
class RequestFailuresTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io io = loop.io();
  private final BuggyBroker broker = new BuggyBroker(new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), broker, registry,
      NodeSecurity.open(), loop);
  private final FakeClient client = new FakeClient(node, loop, io, WireFormat.PROTO);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void aResumeFromAnOffsetPast2To63IsRefusedAndAddsNothing() {
    client.send(ClientFrame.newBuilder().setId(100).setSubscribe(Subscribe.newBuilder().setRoom("room")
        .setSince(Position.newBuilder().setOffset(1L << 63).setEpoch("e"))).build()); // a uint64 on the wire

    ServerFrame refused = client.reply(100);
    assertThat(refused.getError().getCode()).isEqualTo(400);
    assertThat(refused.getError().getMessage()).contains("9223372036854775808");
    assertThat(node.roomCount()).isZero();
    assertThat(client.reply(client.subscribe("room")).hasSubscribed()).as("no phantom subscription: not 409").isTrue();
  }

  @Test
  void anUnexpectedExceptionAnswers500IsCountedAndLeavesNothingHalfDone() {
    broker.throwOnPublish = true;

    ServerFrame failed = client.reply(client.publish("room", "boom"));

    assertThat(failed.getError().getCode()).isEqualTo(500);
    assertThat(registry.counter(MetricNames.REQUESTS_FAILED, "request", "publish").count()).isEqualTo(1);
    assertThat(client.connection.closedWith).isNull();
    node.drain(Duration.ZERO); // no publish counted in flight: the session goes at once
    loop.advance(Duration.ZERO);
    assertThat(client.connection.closedWith.code()).isEqualTo(1001);
  }

  @Test
  void aSubscribeWhoseBrokerThrowsAnswers500AndCanBeRetried() {
    broker.throwOnSubscribe = true;

    assertThat(client.reply(client.subscribe("room")).getError().getCode()).isEqualTo(500);
    broker.throwOnSubscribe = false;
    assertThat(client.reply(client.subscribe("room")).hasSubscribed()).isTrue();
    assertThat(registry.counter(MetricNames.REQUESTS_FAILED, "request", "subscribe").count()).isEqualTo(1);
  }

  /** A broker with bugs: its calls throw instead of returning a stage. */
  static final class BuggyBroker implements Broker {
    volatile boolean throwOnPublish;
    volatile boolean throwOnSubscribe;
    private final MemoryBroker inner;

    BuggyBroker(MemoryBroker inner) {
      this.inner = inner;
    }

    @Override public void start(BrokerListener listener) { inner.start(listener); }
    @Override public CompletionStage<Void> subscribe(String room) {
      if (throwOnSubscribe) throw new IllegalStateException("test: a bug in subscribe");
      return inner.subscribe(room);
    }
    @Override public CompletionStage<Void> unsubscribe(String room) { return inner.unsubscribe(room); }
    @Override public CompletionStage<Publication> publish(String room, Payload payload, String key) {
      if (throwOnPublish) throw new IllegalStateException("test: a bug in publish");
      return inner.publish(room, payload, key);
    }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public CompletionStage<History> history(String room, StreamPosition since, int limit) { return inner.history(room, since, limit); }
    @Override public void close() { inner.close(); }
  }
}
