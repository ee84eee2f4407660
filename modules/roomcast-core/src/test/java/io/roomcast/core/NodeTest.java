package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine end to end over fake connections and the in-memory broker, on two I/O threads the test steps. */
class NodeTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io ioA = loop.io();
  private final TestLoop.Io ioB = loop.io();
  private Node node;

  @BeforeEach
  void start() {
    node = nodeWith(SessionLimits.defaults());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private Node nodeWith(SessionLimits limits) {
    if (node != null) node.close();
    node = Node.start(NodeConfig.defaults("test").withLimits(limits, limits.maxQueuedFrames()).withRoomLinger(Duration.ZERO),
        new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry, NodeSecurity.open(), loop);
    return node;
  }

  private FakeClient client(TestLoop.Io io) {
    return new FakeClient(node, loop, io, WireFormat.PROTO);
  }

  @Test
  void greetsEveryConnectionWithConnected() {
    FakeClient c = client(ioA);
    ServerFrame first = c.connection.frames.get(0);
    assertThat(first.hasConnected()).isTrue();
    assertThat(first.getConnected().getNode()).isEqualTo("test");
    assertThat(first.getConnected().getSession()).isEqualTo(c.session.id());
  }

  @Test
  void twoClientsOnDifferentThreadsExchangeMessagesInARoom() {
    FakeClient alice = client(ioA);
    FakeClient bob = client(ioB);
    alice.subscribed("chat");
    bob.subscribed("chat");

    ServerFrame ack = alice.reply(alice.publish("chat", "hi bob"));
    bob.reply(bob.publish("chat", "hi alice"));

    loop.settle();
    assertThat(ack.getAck().getOffset()).isEqualTo(1);
    assertThat(alice.texts("chat")).containsExactly("hi bob", "hi alice");
    assertThat(bob.offsets("chat")).containsExactly(1L, 2L);
  }

  @Test
  void subscribedReportsTheRoomPositionAndOnlyLaterMessagesFollow() {
    FakeClient publisher = client(ioA);
    publisher.reply(publisher.publish("news", "before"));
    FakeClient reader = client(ioB);

    ServerFrame subscribed = reader.reply(reader.subscribe("news"));
    publisher.reply(publisher.publish("news", "after"));

    assertThat(subscribed.getSubscribed().getPosition().getOffset()).isEqualTo(1);
    assertThat(subscribed.getSubscribed().getPosition().getEpoch()).isNotEmpty();
    loop.settle();
    assertThat(reader.texts("news")).containsExactly("after");
  }

  @Test
  void doesNotDeliverRoomsAClientLeftOrNeverJoined() {
    FakeClient alice = client(ioA);
    FakeClient bob = client(ioB);
    alice.subscribed("a");
    alice.subscribed("b");
    bob.subscribed("b");
    assertThat(alice.reply(alice.unsubscribe("a")).getUnsubscribed().getRoom()).isEqualTo("a");

    bob.reply(bob.publish("a", "to nobody"));
    bob.reply(bob.publish("b", "marker"));

    loop.settle();
    assertThat(alice.texts("b")).containsExactly("marker");
    assertThat(alice.texts("a")).isEmpty();
  }

  @Test
  void refusesBadRequestsWithPreciseErrorsAndKeepsServing() {
    FakeClient c = client(ioA);
    c.subscribed("ok");

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

    c.reply(c.publish("ok", "still here"));
    assertThat(c.texts("ok")).containsExactly("still here");
    assertThat(c.connection.closedWith).isNull();
    double rejected400 = registry.find(MetricNames.REQUESTS_REJECTED).tag("code", "400").counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    assertThat(rejected400).isEqualTo(5);
  }

  @Test
  void refusesAPayloadOverTheLimitWith413() {
    nodeWith(new SessionLimits(2048, 1024, 10, 4, 64, 1 << 20, 100, 4096));
    FakeClient c = client(ioA);

    assertThat(error(c, c.publish("room", "x".repeat(1025)))).isEqualTo(413);
    assertThat(c.reply(c.publish("room", "x".repeat(1024))).hasAck()).isTrue();
  }

  @Test
  void refusesRoomsBeyondThePerConnectionLimitWith429() {
    nodeWith(new SessionLimits(2048, 1024, 10, 2, 64, 1 << 20, 100, 4096));
    FakeClient c = client(ioA);
    c.subscribed("one");
    c.subscribed("two");

    assertThat(error(c, c.subscribe("three"))).isEqualTo(429);
    c.reply(c.unsubscribe("one"));
    c.subscribed("three");
  }

  @Test
  void closesWith4000OnAnUndecodableMessageAndOthersKeepReceiving() {
    FakeClient good = client(ioA);
    FakeClient bad = client(ioA);
    good.subscribed("room");
    bad.subscribed("room");

    bad.sendBinary(new byte[] {5, 1, 2}); // declares 5 bytes, carries 2

    loop.settle();
    assertThat(bad.connection.closedWith.code()).isEqualTo(4000);
    assertThat(bad.connection.framesOf(ServerFrame.KindCase.DISCONNECT).get(0).getDisconnect().getReconnect()).isFalse();
    good.reply(good.publish("room", "after the bad one"));
    assertThat(good.texts("room")).containsExactly("after the bad one");
    assertThat(registry.find(MetricNames.FRAMES_MALFORMED).tag("reason", "undecodable").counter().count()).isEqualTo(1);
  }

  @Test
  void closesWith1003OnTextOverTheBinaryProtocol() {
    FakeClient c = client(ioA);
    c.sendText("{\"id\":1,\"subscribe\":{\"room\":\"chat\"}}");
    loop.settle();
    assertThat(c.connection.closedWith.code()).isEqualTo(1003);
  }

  @Test
  void batchesFramesThatArriveWhileAWriteIsInFlight() {
    FakeClient publisher = client(ioA);
    FakeClient reader = client(ioB);
    reader.subscribed("feed");
    reader.connection.stall();
    int batchesBefore = reader.connection.batches.size();

    publisher.publish("feed", "m1");
    ioA.runAll(); // published: m1 waits on the reader's thread
    ioB.runAll(); // m1 is written, and the write stalls
    for (int i = 2; i <= 10; i++) publisher.publish("feed", "m" + i);
    ioA.runAll();
    ioB.runAll(); // m2..m10 queue behind the write in flight
    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(1);
    reader.connection.resume();
    loop.settle();

    assertThat(reader.connection.batches.subList(batchesBefore, reader.connection.batches.size())).containsExactly(1, 9);
    assertThat(reader.offsets("feed")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void cutsOffAStalledClientAsASlowConsumerWithoutTouchingOthers() {
    nodeWith(new SessionLimits(2048, 1024, 10, 4, 64, 4096, 100, 4096));
    FakeClient publisher = client(ioA);
    FakeClient stalled = client(ioB);
    FakeClient healthy = client(ioB);
    stalled.subscribed("feed");
    healthy.subscribed("feed");
    stalled.connection.stall();

    for (int i = 0; i < 200; i++) publisher.published("feed", "x".repeat(100));

    assertThat(healthy.texts("feed")).hasSize(200);
    assertThat(stalled.connection.closedWith).isEqualTo(Disconnect.SLOW_CONSUMER);
    ServerFrame last = stalled.connection.frames.get(stalled.connection.frames.size() - 1);
    assertThat(last.getDisconnect().getCode()).isEqualTo(4008);
    assertThat(last.getDisconnect().getReconnect()).isTrue();
    assertThat(registry.find(MetricNames.SLOW_CONSUMERS).counter().count()).isEqualTo(1);
  }

  @Test
  void acceptsSeveralFramesInOneMessage() {
    FakeClient c = client(ioA);
    byte[] sub = BinaryFrames.encode(ClientFrame.newBuilder().setId(1)
        .setSubscribe(io.roomcast.protocol.v1.Subscribe.newBuilder().setRoom("multi")).build());
    byte[] pub = BinaryFrames.encode(ClientFrame.newBuilder().setId(2)
        .setPublish(Publish.newBuilder().setRoom("other").setText("x")).build());
    byte[] both = new byte[sub.length + pub.length];
    System.arraycopy(sub, 0, both, 0, sub.length);
    System.arraycopy(pub, 0, both, sub.length, pub.length);

    c.sendBinary(both);

    assertThat(c.reply(1).hasSubscribed()).isTrue();
    assertThat(c.reply(2).getAck().getOffset()).isEqualTo(1);
  }

  @Test
  void answersAPublishWith503WhenTheBrokerIsUnavailable() {
    node.close();
    node = Node.start(NodeConfig.defaults("test"), new UnavailableBroker(), registry, NodeSecurity.open(), loop);
    FakeClient c = client(ioA);

    ServerFrame reply = c.reply(c.publish("room", "lost?"));

    assertThat(reply.getError().getCode()).isEqualTo(503);
    assertThat(reply.getError().getMessage()).contains("unavailable");
    assertThat(node.ready()).isFalse();
  }

  private static int error(FakeClient c, int id) {
    ServerFrame reply = c.reply(id);
    assertThat(reply.hasError()).as("reply to %d: %s", id, reply).isTrue();
    return reply.getError().getCode();
  }

  /** A broker that is down. */
  private static final class UnavailableBroker implements Broker {
    @Override public void start(BrokerListener listener) { }
    @Override public java.util.concurrent.CompletionStage<Void> subscribe(String room) { return down(); }
    @Override public java.util.concurrent.CompletionStage<Void> unsubscribe(String room) { return down(); }
    @Override public java.util.concurrent.CompletionStage<Publication> publish(String room, Payload payload, String key) { return down(); }
    @Override public java.util.concurrent.CompletionStage<StreamPosition> position(String room) { return down(); }
    @Override public boolean available() { return false; }
    @Override public void close() { }

    private static <T> java.util.concurrent.CompletionStage<T> down() {
      return java.util.concurrent.CompletableFuture.failedFuture(new BrokerUnavailableException("down"));
    }
  }
}
