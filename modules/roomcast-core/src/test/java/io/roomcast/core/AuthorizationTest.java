package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Connect;
import io.roomcast.protocol.v1.Refresh;
import io.roomcast.protocol.v1.ServerFrame;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens, room rights and the publish rate, over fake connections: what a client may do and what it gets when it may not. */
class AuthorizationTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io io = loop.io();
  private final AtomicInteger ids = new AtomicInteger(1000);
  private Node node;

  @BeforeEach
  void start() {
    node = nodeWith(PublishRateLimits.defaults());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private Node nodeWith(PublishRateLimits rate) {
    return nodeWith(rate, NodeSecurity.DEFAULT_AUTHENTICATION_TIMEOUT);
  }

  private Node nodeWith(PublishRateLimits rate, Duration authenticationTimeout) {
    if (node != null) node.close();
    return Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO),
        new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry,
        new NodeSecurity(new TestTokens(loop), rate, authenticationTimeout), loop);
  }

  @Test
  void aConnectionWithoutATokenGets401UntilItSendsAValidOne() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);

    assertThat(error(c, c.subscribe("chat"))).isEqualTo(401);
    assertThat(error(c, c.publish("chat", "hi"))).isEqualTo(401);
    assertThat(error(c, connect(c, "forged"))).isEqualTo(401);

    assertThat(c.reply(connect(c, "alice|chat|chat|60000")).hasAck()).isTrue();
    c.subscribed("chat");
    assertThat(c.reply(c.publish("chat", "hi")).hasAck()).isTrue();
    assertThat(c.texts("chat")).containsExactly("hi");
    assertThat(rejected("subscribe", 401) + rejected("publish", 401) + rejected("connect", 401)).isEqualTo(3);
  }

  @Test
  void aConnectionThatNeverAuthenticatesIsClosedWith4003AfterTheTimeout() {
    node = nodeWith(PublishRateLimits.defaults(), Duration.ofMillis(300));
    FakeClient silent = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient prompt = new FakeClient(node, loop, io, WireFormat.PROTO);
    prompt.reply(connect(prompt, "prompt|room|room|60000"));

    loop.advance(Duration.ofMillis(299));
    assertThat(silent.connection.closedWith).isNull();
    loop.advance(Duration.ofMillis(1));

    assertThat(silent.connection.closedWith).isEqualTo(Disconnect.UNAUTHENTICATED);
    assertThat(registry.counter(MetricNames.CONNECTIONS_CLOSED_UNAUTHENTICATED).count()).isEqualTo(1);
    assertThat(prompt.connection.closedWith).isNull();
    prompt.subscribed("room");
  }

  @Test
  void roomsOutsideTheTokensGrantsGet403AndNothingChanges() {
    FakeClient reader = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient intruder = new FakeClient(node, loop, io, WireFormat.PROTO);
    reader.reply(connect(reader, "reader|news:*||60000"));
    intruder.reply(connect(intruder, "intruder|lobby|lobby|60000"));
    reader.subscribed("news:eu");

    assertThat(error(intruder, intruder.subscribe("news:eu"))).isEqualTo(403);
    assertThat(error(intruder, intruder.publish("news:eu", "fake news"))).isEqualTo(403);
    assertThat(error(reader, reader.publish("news:eu", "readers do not write"))).isEqualTo(403);
    assertThat(error(reader, reader.subscribe("newsroom"))).isEqualTo(403); // the prefix is "news:", not "news"

    intruder.subscribed("lobby");
    intruder.reply(intruder.publish("lobby", "hello"));
    assertThat(intruder.texts("lobby")).containsExactly("hello");
    assertThat(reader.texts("news:eu")).isEmpty();
    assertThat(rejected("subscribe", 403)).isEqualTo(2);
    assertThat(rejected("publish", 403)).isEqualTo(2);
  }

  @Test
  void anExpiredTokenClosesWith4001AndAdvisesReconnect() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient other = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|*|*|300"));
    other.reply(connect(other, "bob|*|*|60000"));
    other.subscribed("room");

    loop.advance(Duration.ofMillis(299));
    assertThat(c.connection.closedWith).isNull();
    loop.advance(Duration.ofMillis(1));

    assertThat(c.connection.closedWith).isEqualTo(Disconnect.TOKEN_EXPIRED);
    assertThat(c.connection.framesOf(ServerFrame.KindCase.DISCONNECT).get(0).getDisconnect().getReconnect()).isTrue();
    assertThat(registry.counter(MetricNames.CONNECTIONS_CLOSED_EXPIRED).count()).isEqualTo(1);
    other.reply(other.publish("room", "still here"));
    assertThat(other.texts("room")).containsExactly("still here");
  }

  @Test
  void aRefreshBeforeExpiryKeepsTheConnectionOpen() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|*|*|300"));

    assertThat(c.reply(refresh(c, "alice|*|*|60000")).hasAck()).isTrue();

    loop.advance(Duration.ofSeconds(1)); // well past the first token's expiry
    assertThat(c.connection.closedWith).isNull();
    c.subscribed("room");
  }

  @Test
  void aRefreshForAnotherUserGets403AndKeepsTheFirstPrincipal() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|alice-room|alice-room|60000"));

    assertThat(error(c, refresh(c, "mallory|*|*|60000"))).isEqualTo(403);
    assertThat(error(c, c.subscribe("mallory-room"))).isEqualTo(403);
    c.subscribed("alice-room");
  }

  @Test
  void publishingTooFastGets429AndPersistingClosesWith4029WhileOthersKeepReceiving() {
    node = nodeWith(new PublishRateLimits(1, 5, 10, Duration.ofMinutes(1)));
    FakeClient flooder = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient bystander = new FakeClient(node, loop, io, WireFormat.PROTO);
    flooder.reply(connect(flooder, "flooder|*|*|60000"));
    bystander.reply(connect(bystander, "bystander|*|*|60000"));
    bystander.subscribed("room");

    List<Integer> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sent.add(flooder.publish("room", "flood " + i));
      loop.settle(); // each reply leaves before the next publish
    }

    loop.settle();
    assertThat(flooder.connection.closedWith).isEqualTo(Disconnect.TOO_MANY_REQUESTS);
    // 5 of the burst published (no time passes, so no token refills), then 10 refused with 429, then the close.
    double published = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "websocket").count();
    long refused = flooder.connection.frames.stream().filter(f -> f.hasError() && f.getError().getCode() == 429).count();
    assertThat(published).isEqualTo(5.0);
    assertThat(refused).isEqualTo(10);
    assertThat(rejected("publish", 429)).as("10 refused, then the one that closed it").isEqualTo(11);
    bystander.reply(bystander.publish("room", "after the flood"));
    assertThat(bystander.texts("room")).hasSize(6).endsWith("after the flood"); // the 5 published floods, then it
  }

  @Test
  void aRefreshThatNoLongerGrantsARoomLeavesItAtOnceWithAPushed403() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient publisher = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|kept,revoked:*||60000"));
    publisher.reply(connect(publisher, "publisher||*|60000"));
    c.subscribed("kept");
    c.subscribed("revoked:1");
    publisher.published("revoked:1", "before");

    int refresh = refresh(c, "alice|kept||60000");

    assertThat(c.reply(refresh).hasAck()).isTrue();
    List<ServerFrame> pushed = c.connection.framesOf(ServerFrame.KindCase.UNSUBSCRIBED).stream().filter(f -> !f.hasId()).toList();
    assertThat(pushed).hasSize(1);
    assertThat(pushed.get(0).getUnsubscribed().getRoom()).isEqualTo("revoked:1");
    assertThat(pushed.get(0).getUnsubscribed().getCode()).isEqualTo(403);
    assertThat(c.connection.frames.indexOf(pushed.get(0))).as("pushed before the ack")
        .isLessThan(c.connection.frames.indexOf(c.reply(refresh)));
    publisher.published("revoked:1", "after");
    publisher.published("kept", "still granted");
    assertThat(c.texts("revoked:1")).containsExactly("before");
    assertThat(c.texts("kept")).containsExactly("still granted");
    assertThat(error(c, c.subscribe("revoked:2"))).isEqualTo(403);
    assertThat(error(c, c.unsubscribe("revoked:1"))).as("left already").isEqualTo(404);
  }

  @Test
  void aRefreshLeavesARoomWhoseSubscribeIsStillSettling() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    FakeClient publisher = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|*||60000"));
    publisher.reply(connect(publisher, "publisher||*|60000"));

    int subscribe = c.subscribe("secret"); // queued with the refresh: the refresh runs before the subscribe settles
    int refresh = refresh(c, "alice|public||60000");

    assertThat(c.reply(refresh).hasAck()).isTrue();
    assertThat(error(c, subscribe)).isEqualTo(404);
    assertThat(c.connection.framesOf(ServerFrame.KindCase.UNSUBSCRIBED)).singleElement()
        .satisfies(f -> assertThat(f.getUnsubscribed().getCode()).isEqualTo(403));
    publisher.published("secret", "not for alice");
    assertThat(c.texts("secret")).isEmpty();
  }

  @Test
  void aConnectWithNarrowerRightsForTheSameUserLeavesTheRoomsItNoLongerGrants() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.JSON);
    c.reply(connect(c, "alice|a,b|a,b|60000"));
    c.subscribed("a");
    c.subscribed("b");

    assertThat(c.reply(connect(c, "alice|b|b|60000")).hasAck()).isTrue();

    assertThat(c.connection.framesOf(ServerFrame.KindCase.UNSUBSCRIBED)).singleElement()
        .satisfies(f -> {
          assertThat(f.hasId()).isFalse();
          assertThat(f.getUnsubscribed().getRoom()).isEqualTo("a");
          assertThat(f.getUnsubscribed().getCode()).isEqualTo(403);
        });
    assertThat(error(c, c.publish("a", "no longer"))).isEqualTo(403);
    c.reply(c.publish("b", "still"));
    assertThat(c.texts("b")).containsExactly("still");
  }

  @Test
  void aConnectForAnotherUserGets403AndChangesNothing() {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|alice-room|alice-room|300"));
    c.subscribed("alice-room");

    assertThat(error(c, connect(c, "mallory|mallory-room|mallory-room|60000"))).isEqualTo(403);

    assertThat(c.connection.framesOf(ServerFrame.KindCase.UNSUBSCRIBED)).isEmpty();
    assertThat(error(c, c.subscribe("mallory-room"))).isEqualTo(403);
    c.reply(c.publish("alice-room", "still alice"));
    assertThat(c.texts("alice-room")).containsExactly("still alice");
    loop.advance(Duration.ofMillis(300)); // alice's expiry still stands: mallory's token did not replace it
    assertThat(c.connection.closedWith).isEqualTo(Disconnect.TOKEN_EXPIRED);
  }

  @Test
  void subscribingTooFastGets429AndPersistingClosesWith4029() {
    node = Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO),
        new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis), registry,
        new NodeSecurity(new TestTokens(loop), new PublishRateLimits(100, 200, 2, Duration.ofMinutes(1)),
            NodeSecurity.DEFAULT_AUTHENTICATION_TIMEOUT, new SubscribeRateLimits(1, 3)), loop);
    FakeClient c = new FakeClient(node, loop, io, WireFormat.PROTO);
    c.reply(connect(c, "alice|*|*|600000"));

    c.subscribed("r1");
    c.subscribed("r2");
    c.subscribed("r3"); // the burst
    assertThat(error(c, c.subscribe("r4"))).isEqualTo(429);
    loop.advance(Duration.ofSeconds(1)); // one subscribe refills
    c.subscribed("r4");
    assertThat(error(c, c.subscribe("r5"))).isEqualTo(429);
    assertThat(c.connection.closedWith).isNull();
    c.subscribe("r5"); // the third refusal within the window: past the 2 tolerated
    loop.settle();

    assertThat(c.connection.closedWith).isEqualTo(Disconnect.TOO_MANY_REQUESTS);
    assertThat(rejected("subscribe", 429)).isEqualTo(3);
  }

  private int connect(FakeClient c, String token) {
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setConnect(Connect.newBuilder().setToken(token)).build());
    return id;
  }

  private int refresh(FakeClient c, String token) {
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setRefresh(Refresh.newBuilder().setToken(token)).build());
    return id;
  }

  private static int error(FakeClient c, int id) {
    ServerFrame reply = c.reply(id);
    assertThat(reply.hasError()).as("reply to %d: %s", id, reply).isTrue();
    return reply.getError().getCode();
  }

  private double rejected(String request, int code) {
    var counter = registry.find(MetricNames.REQUESTS_REJECTED).tags("request", request, "code", Integer.toString(code)).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Tokens in clear, for the engine's tests: {@code user|subscribe grants|publish grants|lifetime in ms}. */
  private static final class TestTokens implements Authenticator {
    private final Scheduler clock;

    TestTokens(Scheduler clock) {
      this.clock = clock;
    }

    @Override
    public Principal authenticate(String token) throws InvalidTokenException {
      String[] parts = token.split("\\|", -1);
      if (parts.length != 4) throw new InvalidTokenException("not a test token");
      return new Principal(parts[0], new RoomPermissions(grants(parts[1]), grants(parts[2])),
          Optional.of(Instant.ofEpochMilli(clock.nowMillis() + Long.parseLong(parts[3]))));
    }

    private static List<String> grants(String s) {
      return s.isEmpty() ? List.of() : Arrays.asList(s.split(","));
    }

    @Override
    public Optional<Principal> anonymous() {
      return Optional.empty();
    }
  }
}
