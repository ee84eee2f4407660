package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A room's broker subscription when members come and go while the broker is slow: the expiry never
 * undoes a subscribe still in flight, and a member who joins during the expiry keeps a room that hears.
 */
class HubExpiryTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io io = loop.io();
  private final HandBroker broker = new HandBroker(new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis));
  private final Node node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ofSeconds(1)), broker, registry,
      NodeSecurity.open(), loop);

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  void theExpiryWaitsForTheSubscribeInFlightAndAJoinMeanwhileKeepsTheRoom() {
    FakeClient a = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient b = new FakeClient(node, loop, io, WireFormat.PROTO);
    int first = a.subscribe("room");
    loop.settle();
    a.reply(a.unsubscribe("room"));
    loop.advance(Duration.ofSeconds(1)); // the linger is over while the subscribe is in flight

    assertThat(broker.calls).as("no unsubscribe overtakes the subscribe in flight").containsExactly("subscribe");
    int second = b.subscribe("room");
    loop.settle();
    broker.complete(0);
    loop.settle();

    assertThat(a.reply(first).getError().getCode()).isEqualTo(404); // it left before the subscription took effect
    assertThat(b.reply(second).hasSubscribed()).isTrue();
    assertThat(broker.calls).containsExactly("subscribe");
    assertThat(broker.subscribed).isTrue();
    broker.publish("room", Payload.text("heard"), null);
    loop.settle();
    assertThat(b.texts("room")).containsExactly("heard");
  }

  @Test
  void aJoinWhileTheUnsubscribeIsInFlightSubscribesAgainAfterIt() {
    FakeClient a = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    a.subscribe("room");
    loop.settle();
    a.reply(a.unsubscribe("room"));
    loop.advance(Duration.ofSeconds(1));
    broker.complete(0); // the subscribe took effect after the linger: now the expiry unsubscribes
    loop.settle();
    assertThat(broker.calls).containsExactly("subscribe", "unsubscribe");

    int id = c.subscribe("room");
    loop.settle();
    assertThat(broker.calls).as("the new subscribe waits for the unsubscribe").hasSize(2);
    broker.complete(1);
    loop.settle();
    assertThat(broker.calls).containsExactly("subscribe", "unsubscribe", "subscribe");
    broker.complete(2);
    loop.settle();

    assertThat(c.reply(id).hasSubscribed()).isTrue();
    assertThat(broker.subscribed).isTrue();
    broker.publish("room", Payload.text("heard"), null);
    loop.settle();
    assertThat(c.texts("room")).containsExactly("heard");
    assertThat(node.roomCount()).isEqualTo(1);
  }

  @Test
  void aRoomLeftForGoodIsUnsubscribedOnceItsSubscribeCompletes() {
    FakeClient a = new FakeClient(node, loop, io, WireFormat.PROTO);
    a.subscribe("room");
    loop.settle();
    a.reply(a.unsubscribe("room"));
    loop.advance(Duration.ofSeconds(5));
    assertThat(broker.calls).containsExactly("subscribe");

    broker.complete(0);
    loop.settle();
    broker.complete(1);
    loop.settle();

    assertThat(broker.calls).containsExactly("subscribe", "unsubscribe");
    assertThat(broker.subscribed).isFalse();
    assertThat(node.roomCount()).isZero();
  }

  /**
   * A broker whose subscribes and unsubscribes take effect when the test completes them, in the order
   * it chooses (as a broker that retries or reconnects may apply them).
   */
  static final class HandBroker implements Broker {
    final List<String> calls = new ArrayList<>();
    private final List<Runnable> completions = new ArrayList<>();
    /** Whether the room's subscription is in effect, by the last completed call. */
    boolean subscribed;
    private final MemoryBroker inner;

    HandBroker(MemoryBroker inner) {
      this.inner = inner;
    }

    /** Completes call number {@code i} (in the order they were made). */
    void complete(int i) {
      completions.get(i).run();
    }

    @Override public void start(BrokerListener listener) { inner.start(listener); }
    @Override public CompletionStage<Void> subscribe(String room) {
      return call("subscribe", () -> {
        inner.subscribe(room);
        subscribed = true;
      });
    }
    @Override public CompletionStage<Void> unsubscribe(String room) {
      return call("unsubscribe", () -> {
        inner.unsubscribe(room);
        subscribed = false;
      });
    }
    private CompletionStage<Void> call(String name, Runnable effect) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      calls.add(name);
      completions.add(() -> {
        effect.run();
        done.complete(null);
      });
      return done;
    }
    @Override public CompletionStage<Publication> publish(String room, Payload payload, String key) { return inner.publish(room, payload, key); }
    @Override public CompletionStage<StreamPosition> position(String room) { return inner.position(room); }
    @Override public CompletionStage<History> history(String room, StreamPosition since, int limit) { return inner.history(room, since, limit); }
    @Override public void close() { inner.close(); }
  }
}
