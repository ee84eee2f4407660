package io.roomcast.core;

import static io.roomcast.core.FakeClient.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine end to end over fake connections and the in-memory broker. */
class NodeTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ExecutorService ioA;
  private ExecutorService ioB;
  private Node node;

  @BeforeEach
  void start() {
    ioA = Executors.newSingleThreadExecutor();
    ioB = Executors.newSingleThreadExecutor();
    node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), new MemoryBroker(), registry);
  }

  @AfterEach
  void stop() {
    node.close();
    ioA.shutdownNow();
    ioB.shutdownNow();
  }

  private Node nodeWith(SessionLimits limits) {
    node.close();
    node = Node.start(NodeConfig.defaults("test").withLimits(limits, limits.maxQueuedFrames()).withRoomLinger(Duration.ZERO), new MemoryBroker(), registry);
    return node;
  }

  @Test
  void greetsEveryConnectionWithConnected() {
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);
    waiting().until(() -> !c.connection.frames.isEmpty());
    ServerFrame first = c.connection.frames.get(0);
    assertThat(first.hasConnected()).isTrue();
    assertThat(first.getConnected().getNode()).isEqualTo("test");
    assertThat(first.getConnected().getSession()).isEqualTo(c.session.id());
  }

  @Test
  void twoClientsOnDifferentThreadsExchangeMessagesInARoom() {
    FakeClient alice = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient bob = new FakeClient(node, ioB, WireFormat.PROTO);
    alice.awaitSubscribed("chat");
    bob.awaitSubscribed("chat");

    ServerFrame ack = alice.awaitReply(alice.publish("chat", "hi bob"));
    bob.awaitReply(bob.publish("chat", "hi alice"));

    assertThat(ack.getAck().getOffset()).isEqualTo(1);
    waiting().until(() -> alice.texts("chat").size() == 2 && bob.texts("chat").size() == 2);
    assertThat(alice.texts("chat")).containsExactly("hi bob", "hi alice");
    assertThat(bob.offsets("chat")).containsExactly(1L, 2L);
  }

  @Test
  void subscribedReportsTheRoomPositionAndOnlyLaterMessagesFollow() {
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    publisher.awaitReply(publisher.publish("news", "before"));
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);

    ServerFrame subscribed = reader.awaitReply(reader.subscribe("news"));
    publisher.awaitReply(publisher.publish("news", "after"));

    assertThat(subscribed.getSubscribed().getPosition().getOffset()).isEqualTo(1);
    assertThat(subscribed.getSubscribed().getPosition().getEpoch()).isNotEmpty();
    waiting().until(() -> reader.texts("news").size() == 1);
    assertThat(reader.texts("news")).containsExactly("after");
  }

  @Test
  void doesNotDeliverRoomsAClientLeftOrNeverJoined() {
    FakeClient alice = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient bob = new FakeClient(node, ioB, WireFormat.PROTO);
    alice.awaitSubscribed("a");
    alice.awaitSubscribed("b");
    bob.awaitSubscribed("b");
    assertThat(alice.awaitReply(alice.unsubscribe("a")).getUnsubscribed().getRoom()).isEqualTo("a");

    bob.awaitReply(bob.publish("a", "to nobody"));
    bob.awaitReply(bob.publish("b", "marker"));

    waiting().until(() -> alice.texts("b").size() == 1);
    assertThat(alice.texts("a")).isEmpty();
  }

  @Test
  void refusesBadRequestsWithPreciseErrorsAndKeepsServing() {
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);
    c.awaitSubscribed("ok");

    assertThat(error(c, c.subscribe("bad room!"))).isEqualTo(400);
    assertThat(error(c, c.subscribe(""))).isEqualTo(400);
    assertThat(error(c, c.subscribe("x".repeat(129)))).isEqualTo(400);
    assertThat(error(c, c.subscribe("ok"))).isEqualTo(409);
    assertThat(error(c, c.unsubscribe("never-joined"))).isEqualTo(404);
    int id = 77;
    c.send(ClientFrame.newBuilder().setId(id).setPublish(Publish.newBuilder().setRoom("ok")).build());
    assertThat(error(c, id)).isEqualTo(400);
    c.send(ClientFrame.newBuilder().setId(78).build());
    assertThat(error(c, 78)).isEqualTo(400);

    c.awaitReply(c.publish("ok", "still here"));
    waiting().until(() -> c.texts("ok").contains("still here"));
    assertThat(c.connection.closedWith).isNull();
    double rejected400 = registry.find(MetricNames.REQUESTS_REJECTED).tag("code", "400").counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    assertThat(rejected400).isEqualTo(5);
  }

  @Test
  void refusesAPayloadOverTheLimitWith413() {
    nodeWith(new SessionLimits(2048, 1024, 10, 4, 64, 1 << 20, 100, 4096));
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);

    assertThat(error(c, c.publish("room", "x".repeat(1025)))).isEqualTo(413);
    assertThat(c.awaitReply(c.publish("room", "x".repeat(1024))).hasAck()).isTrue();
  }

  @Test
  void refusesRoomsBeyondThePerConnectionLimitWith429() {
    nodeWith(new SessionLimits(2048, 1024, 10, 2, 64, 1 << 20, 100, 4096));
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);
    c.awaitSubscribed("one");
    c.awaitSubscribed("two");

    assertThat(error(c, c.subscribe("three"))).isEqualTo(429);
    c.awaitReply(c.unsubscribe("one"));
    c.awaitSubscribed("three");
  }

  @Test
  void closesWith4000OnAnUndecodableMessageAndOthersKeepReceiving() {
    FakeClient good = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient bad = new FakeClient(node, ioA, WireFormat.PROTO);
    good.awaitSubscribed("room");
    bad.awaitSubscribed("room");

    bad.sendBinary(new byte[] {5, 1, 2}); // declares 5 bytes, carries 2

    waiting().until(() -> bad.connection.closedWith != null);
    assertThat(bad.connection.closedWith.code()).isEqualTo(4000);
    assertThat(bad.connection.framesOf(ServerFrame.KindCase.DISCONNECT).get(0).getDisconnect().getReconnect()).isFalse();
    good.awaitReply(good.publish("room", "after the bad one"));
    waiting().until(() -> good.texts("room").contains("after the bad one"));
    assertThat(registry.find(MetricNames.FRAMES_MALFORMED).tag("reason", "undecodable").counter().count()).isEqualTo(1);
  }

  @Test
  void closesWith1003OnTextOverTheBinaryProtocol() {
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);
    c.sendText("{\"id\":1,\"subscribe\":{\"room\":\"chat\"}}");
    waiting().until(() -> c.connection.closedWith != null);
    assertThat(c.connection.closedWith.code()).isEqualTo(1003);
  }

  @Test
  void batchesFramesThatArriveWhileAWriteIsInFlight() {
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient reader = new FakeClient(node, ioB, WireFormat.PROTO);
    reader.awaitSubscribed("feed");
    ioB.execute(reader.connection::stall);
    int batchesBefore = reader.connection.batches.size();

    for (int i = 1; i <= 10; i++) publisher.awaitReply(publisher.publish("feed", "m" + i));
    waiting().until(() -> reader.connection.batches.size() == batchesBefore + 1); // m1, then stalled
    reader.connection.resume();

    waiting().until(() -> reader.texts("feed").size() == 10);
    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(1, 9);
    assertThat(reader.offsets("feed")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void cutsOffAStalledClientAsASlowConsumerWithoutTouchingOthers() {
    nodeWith(new SessionLimits(2048, 1024, 10, 4, 64, 4096, 100, 4096));
    FakeClient publisher = new FakeClient(node, ioA, WireFormat.PROTO);
    FakeClient stalled = new FakeClient(node, ioB, WireFormat.PROTO);
    FakeClient healthy = new FakeClient(node, ioB, WireFormat.PROTO);
    stalled.awaitSubscribed("feed");
    healthy.awaitSubscribed("feed");
    ioB.execute(stalled.connection::stall);

    for (int i = 0; i < 200; i++) publisher.awaitReply(publisher.publish("feed", "x".repeat(100)));

    waiting().until(() -> healthy.texts("feed").size() == 200);
    assertThat(stalled.connection.closedWith).isEqualTo(Disconnect.SLOW_CONSUMER);
    ServerFrame last = stalled.connection.frames.get(stalled.connection.frames.size() - 1);
    assertThat(last.getDisconnect().getCode()).isEqualTo(4008);
    assertThat(last.getDisconnect().getReconnect()).isTrue();
    assertThat(registry.find(MetricNames.SLOW_CONSUMERS).counter().count()).isEqualTo(1);
  }

  @Test
  void acceptsSeveralFramesInOneMessage() {
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);
    byte[] sub = BinaryFrames.encode(ClientFrame.newBuilder().setId(1)
        .setSubscribe(io.roomcast.protocol.v1.Subscribe.newBuilder().setRoom("multi")).build());
    byte[] pub = BinaryFrames.encode(ClientFrame.newBuilder().setId(2)
        .setPublish(Publish.newBuilder().setRoom("other").setText("x")).build());
    byte[] both = new byte[sub.length + pub.length];
    System.arraycopy(sub, 0, both, 0, sub.length);
    System.arraycopy(pub, 0, both, sub.length, pub.length);

    c.sendBinary(both);

    assertThat(c.awaitReply(1).hasSubscribed()).isTrue();
    assertThat(c.awaitReply(2).getAck().getOffset()).isEqualTo(1);
  }

  @Test
  void answersAPublishWith503WhenTheBrokerIsUnavailable() {
    node.close();
    node = Node.start(NodeConfig.defaults("test"), new UnavailableBroker(), registry);
    FakeClient c = new FakeClient(node, ioA, WireFormat.PROTO);

    ServerFrame reply = c.awaitReply(c.publish("room", "lost?"));

    assertThat(reply.getError().getCode()).isEqualTo(503);
    assertThat(reply.getError().getMessage()).contains("unavailable");
    assertThat(node.ready()).isFalse();
  }

  private static int error(FakeClient c, int id) {
    ServerFrame reply = c.awaitReply(id);
    assertThat(reply.hasError()).as("reply to %d: %s", id, reply).isTrue();
    return reply.getError().getCode();
  }

  /** A broker that is down. */
  private static final class UnavailableBroker implements Broker {
    @Override public void start(BrokerListener listener) { }
    @Override public java.util.concurrent.CompletionStage<Void> subscribe(String room) { return down(); }
    @Override public java.util.concurrent.CompletionStage<Void> unsubscribe(String room) { return down(); }
    @Override public java.util.concurrent.CompletionStage<Publication> publish(String room, Payload payload) { return down(); }
    @Override public java.util.concurrent.CompletionStage<StreamPosition> position(String room) { return down(); }
    @Override public boolean available() { return false; }
    @Override public void close() { }

    private static <T> java.util.concurrent.CompletionStage<T> down() {
      return java.util.concurrent.CompletableFuture.failedFuture(new BrokerUnavailableException("down"));
    }
  }
}
