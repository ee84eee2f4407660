package io.roomcast.core;

import static io.roomcast.core.FakeClient.waiting;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens, room rights and the publish rate, over fake connections: what a client may do and what it gets when it may not. */
class AuthorizationTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ExecutorService io = Executors.newSingleThreadExecutor();
  private final AtomicInteger ids = new AtomicInteger(1000);
  private Node node;

  @BeforeEach
  void start() {
    node = nodeWith(PublishRateLimits.defaults());
  }

  @AfterEach
  void stop() {
    node.close();
    io.shutdownNow();
  }

  private Node nodeWith(PublishRateLimits rate) {
    return nodeWith(rate, NodeSecurity.DEFAULT_AUTHENTICATION_TIMEOUT);
  }

  private Node nodeWith(PublishRateLimits rate, Duration authenticationTimeout) {
    if (node != null) node.close();
    return Node.start(NodeConfig.defaults("test").withRoomLinger(Duration.ZERO), new MemoryBroker(), registry,
        new NodeSecurity(new TestTokens(), rate, authenticationTimeout));
  }

  @Test
  void aConnectionWithoutATokenGets401UntilItSendsAValidOne() {
    FakeClient c = new FakeClient(node, io, WireFormat.PROTO);

    assertThat(error(c, c.subscribe("chat"))).isEqualTo(401);
    assertThat(error(c, c.publish("chat", "hi"))).isEqualTo(401);
    assertThat(error(c, connect(c, "forged"))).isEqualTo(401);

    assertThat(c.awaitReply(connect(c, "alice|chat|chat|60000")).hasAck()).isTrue();
    c.awaitSubscribed("chat");
    assertThat(c.awaitReply(c.publish("chat", "hi")).hasAck()).isTrue();
    waiting().until(() -> c.texts("chat").contains("hi"));
    assertThat(rejected("subscribe", 401) + rejected("publish", 401) + rejected("connect", 401)).isEqualTo(3);
  }

  @Test
  void aConnectionThatNeverAuthenticatesIsClosedWith4003AfterTheTimeout() {
    node = nodeWith(PublishRateLimits.defaults(), Duration.ofMillis(300));
    FakeClient silent = new FakeClient(node, io, WireFormat.PROTO);
    FakeClient prompt = new FakeClient(node, io, WireFormat.PROTO);
    prompt.awaitReply(connect(prompt, "prompt|room|room|60000"));

    waiting().until(() -> silent.connection.closedWith != null);

    assertThat(silent.connection.closedWith).isEqualTo(Disconnect.UNAUTHENTICATED);
    assertThat(registry.counter(MetricNames.CONNECTIONS_CLOSED_UNAUTHENTICATED).count()).isEqualTo(1);
    assertThat(prompt.connection.closedWith).isNull();
    prompt.awaitSubscribed("room");
  }

  @Test
  void roomsOutsideTheTokensGrantsGet403AndNothingChanges() {
    FakeClient reader = new FakeClient(node, io, WireFormat.PROTO);
    FakeClient intruder = new FakeClient(node, io, WireFormat.PROTO);
    reader.awaitReply(connect(reader, "reader|news:*||60000"));
    intruder.awaitReply(connect(intruder, "intruder|lobby|lobby|60000"));
    reader.awaitSubscribed("news:eu");

    assertThat(error(intruder, intruder.subscribe("news:eu"))).isEqualTo(403);
    assertThat(error(intruder, intruder.publish("news:eu", "fake news"))).isEqualTo(403);
    assertThat(error(reader, reader.publish("news:eu", "readers do not write"))).isEqualTo(403);
    assertThat(error(reader, reader.subscribe("newsroom"))).isEqualTo(403); // the prefix is "news:", not "news"

    intruder.awaitSubscribed("lobby");
    intruder.awaitReply(intruder.publish("lobby", "hello"));
    waiting().until(() -> intruder.texts("lobby").contains("hello"));
    assertThat(reader.texts("news:eu")).isEmpty();
    assertThat(rejected("subscribe", 403)).isEqualTo(2);
    assertThat(rejected("publish", 403)).isEqualTo(2);
  }

  @Test
  void anExpiredTokenClosesWith4001AndAdvisesReconnect() {
    FakeClient c = new FakeClient(node, io, WireFormat.PROTO);
    FakeClient other = new FakeClient(node, io, WireFormat.PROTO);
    c.awaitReply(connect(c, "alice|*|*|300"));
    other.awaitReply(connect(other, "bob|*|*|60000"));
    other.awaitSubscribed("room");

    waiting().until(() -> c.connection.closedWith != null);

    assertThat(c.connection.closedWith).isEqualTo(Disconnect.TOKEN_EXPIRED);
    assertThat(c.connection.framesOf(ServerFrame.KindCase.DISCONNECT).get(0).getDisconnect().getReconnect()).isTrue();
    assertThat(registry.counter(MetricNames.CONNECTIONS_CLOSED_EXPIRED).count()).isEqualTo(1);
    other.awaitReply(other.publish("room", "still here"));
    waiting().until(() -> other.texts("room").contains("still here"));
  }

  @Test
  void aRefreshBeforeExpiryKeepsTheConnectionOpen() {
    FakeClient c = new FakeClient(node, io, WireFormat.PROTO);
    c.awaitReply(connect(c, "alice|*|*|300"));

    assertThat(c.awaitReply(refresh(c, "alice|*|*|60000")).hasAck()).isTrue();

    waiting().atMost(Duration.ofSeconds(2)).during(Duration.ofMillis(800)).until(() -> c.connection.closedWith == null);
    c.awaitSubscribed("room");
  }

  @Test
  void aRefreshForAnotherUserGets403AndKeepsTheFirstPrincipal() {
    FakeClient c = new FakeClient(node, io, WireFormat.PROTO);
    c.awaitReply(connect(c, "alice|alice-room|alice-room|60000"));

    assertThat(error(c, refresh(c, "mallory|*|*|60000"))).isEqualTo(403);
    assertThat(error(c, c.subscribe("mallory-room"))).isEqualTo(403);
    c.awaitSubscribed("alice-room");
  }

  @Test
  void publishingTooFastGets429AndPersistingClosesWith4029WhileOthersKeepReceiving() {
    node = nodeWith(new PublishRateLimits(1, 5, 10, Duration.ofMinutes(1)));
    FakeClient flooder = new FakeClient(node, io, WireFormat.PROTO);
    FakeClient bystander = new FakeClient(node, io, WireFormat.PROTO);
    flooder.awaitReply(connect(flooder, "flooder|*|*|60000"));
    bystander.awaitReply(connect(bystander, "bystander|*|*|60000"));
    bystander.awaitSubscribed("room");

    List<Integer> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) sent.add(flooder.publish("room", "flood " + i));

    waiting().until(() -> flooder.connection.closedWith != null);
    assertThat(flooder.connection.closedWith).isEqualTo(Disconnect.TOO_MANY_REQUESTS);
    // 5 of the burst (a 6th only if a token refilled meanwhile) published, then 10 refused with 429, then the close.
    double published = registry.counter(MetricNames.MESSAGES_PUBLISHED, "via", "websocket").count();
    long refused = flooder.connection.frames.stream().filter(f -> f.hasError() && f.getError().getCode() == 429).count();
    assertThat(published).isBetween(5.0, 6.0);
    assertThat(refused).as("429 replies that left before the close dropped the queue").isPositive();
    assertThat(rejected("publish", 429)).as("10 refused, then the one that closed it").isEqualTo(11);
    bystander.awaitReply(bystander.publish("room", "after the flood"));
    waiting().until(() -> bystander.texts("room").contains("after the flood"));
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
    ServerFrame reply = c.awaitReply(id);
    assertThat(reply.hasError()).as("reply to %d: %s", id, reply).isTrue();
    return reply.getError().getCode();
  }

  private double rejected(String request, int code) {
    var counter = registry.find(MetricNames.REQUESTS_REJECTED).tags("request", request, "code", Integer.toString(code)).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Tokens in clear, for the engine's tests: {@code user|subscribe grants|publish grants|lifetime in ms}. */
  private static final class TestTokens implements Authenticator {
    @Override
    public Principal authenticate(String token) throws InvalidTokenException {
      String[] parts = token.split("\\|", -1);
      if (parts.length != 4) throw new InvalidTokenException("not a test token");
      return new Principal(parts[0], new RoomPermissions(grants(parts[1]), grants(parts[2])),
          Optional.of(Instant.now().plusMillis(Long.parseLong(parts[3]))));
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
