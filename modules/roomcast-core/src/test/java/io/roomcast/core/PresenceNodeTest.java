package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Connect;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.PresenceRequest;
import io.roomcast.protocol.v1.PresenceStatsRequest;
import io.roomcast.protocol.v1.Refresh;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Presence and personal rooms in one node, on the stepped loop: joins and leaves to those who asked,
 * the grace, the presence requests and their rights, and the rooms the node subscribes a session to.
 */
class PresenceNodeTest {
  private static final Duration GRACE = Duration.ofSeconds(5);
  private final TestLoop loop = new TestLoop();
  private final TestLoop.Io io = loop.io();
  private final AtomicInteger ids = new AtomicInteger(1000);
  private MemoryBroker broker;
  private Node node;

  @BeforeEach
  void start() {
    PresenceConfig config = new PresenceConfig(GRACE, Duration.ofSeconds(15), Duration.ofSeconds(5), 3,
        PresenceAccess.SUBSCRIBERS, Map.of("quiet:", PresenceAccess.OFF, "ops:", PresenceAccess.API));
    broker = new MemoryBroker(RoomHistory.defaultHistory(), loop::nowMillis);
    node = Node.start(NodeConfig.defaults("n1").withRoomLinger(Duration.ZERO), broker, new SimpleMeterRegistry(),
        new NodeSecurity(new Tokens(loop), PublishRateLimits.defaults(), NodeSecurity.DEFAULT_AUTHENTICATION_TIMEOUT), loop,
        MemoryPresence.forBroker(broker, config, loop::nowMillis, "n1"), config);
  }

  @AfterEach
  void stop() {
    node.close();
  }

  /** A client signed in as {@code user} with subscribe grants {@code grants} (comma-separated) and publish grants {@code publish}. */
  private FakeClient client(String user, String grants, String publish) {
    FakeClient c = new FakeClient(node, loop, io, WireFormat.JSON);
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setConnect(Connect.newBuilder().setToken(user + "|" + grants + "|" + publish)).build());
    assertThat(c.reply(id).hasAck()).isTrue();
    return c;
  }

  private FakeClient client(String user) {
    return client(user, "chat,quiet:x,ops:x", "");
  }

  private ServerFrame subscribe(FakeClient c, String room, boolean joinLeave) {
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom(room).setJoinLeave(joinLeave)).build());
    return c.reply(id);
  }

  private ServerFrame presence(FakeClient c, String room) {
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setPresence(PresenceRequest.newBuilder().setRoom(room)).build());
    return c.reply(id);
  }

  private ServerFrame stats(FakeClient c, String room) {
    int id = ids.incrementAndGet();
    c.send(ClientFrame.newBuilder().setId(id).setPresenceStats(PresenceStatsRequest.newBuilder().setRoom(room)).build());
    return c.reply(id);
  }

  /** "join bob", "leave alice": the presence events {@code c} got, in order. */
  private static List<String> events(FakeClient c) {
    return c.connection.frames.stream().filter(f -> f.hasJoin() || f.hasLeave())
        .map(f -> f.hasJoin() ? "join " + f.getJoin().getMember().getUser() : "leave " + f.getLeave().getMember().getUser())
        .toList();
  }

  private void close(FakeClient c) {
    io.execute(() -> c.session.onClosed(1006));
    loop.settle();
  }

  @Test
  void subscribersWhoAskedGetJoinsAndLeavesOthersDoNot() {
    FakeClient watcher = client("watcher");
    FakeClient deaf = client("deaf");
    assertThat(subscribe(watcher, "chat", true).hasSubscribed()).isTrue();
    assertThat(subscribe(deaf, "chat", false).hasSubscribed()).isTrue();

    FakeClient bob = client("bob");
    subscribe(bob, "chat", false);
    close(bob);
    loop.advance(GRACE.plus(Duration.ofSeconds(5))); // past the grace, and a refresh sweeps the room

    assertThat(events(watcher)).containsExactly("join watcher", "join deaf", "join bob", "leave bob");
    assertThat(events(deaf)).isEmpty();
  }

  @Test
  void aUserBackWithinTheGraceMakesNoEventAndOneAfterItDoes() {
    FakeClient watcher = client("watcher");
    subscribe(watcher, "chat", true);
    FakeClient bob = client("bob");
    subscribe(bob, "chat", false);

    close(bob);
    loop.advance(GRACE.minusSeconds(1));
    FakeClient bobAgain = client("bob"); // a new session, a reconnect within the grace
    subscribe(bobAgain, "chat", false);
    loop.advance(GRACE.multipliedBy(3));
    assertThat(events(watcher)).containsExactly("join watcher", "join bob");

    close(bobAgain);
    loop.advance(GRACE.minusSeconds(1));
    assertThat(events(watcher)).containsExactly("join watcher", "join bob"); // still within the grace
    loop.advance(Duration.ofSeconds(6)); // grace over, and the next refresh (every 5 s) sweeps
    assertThat(events(watcher)).containsExactly("join watcher", "join bob", "leave bob");
  }

  @Test
  void presenceListsTheMembersAndStatsCountThem() {
    FakeClient alice = client("alice");
    FakeClient aliceTab = client("alice");
    FakeClient bob = client("bob");
    for (FakeClient c : List.of(alice, aliceTab, bob)) subscribe(c, "chat", false);

    ServerFrame p = presence(bob, "chat");
    assertThat(p.getPresence().getMembersList()).extracting(m -> m.getUser() + "/" + m.getSession())
        .containsExactlyInAnyOrder("alice/" + alice.session.id(), "alice/" + aliceTab.session.id(), "bob/" + bob.session.id());
    ServerFrame s = stats(bob, "chat");
    assertThat(s.getPresenceStats().getSessions()).isEqualTo(3);
    assertThat(s.getPresenceStats().getUsers()).isEqualTo(2);

    FakeClient carol = client("carol");
    subscribe(carol, "chat", false); // a 4th member: above max-members (3)
    assertThat(presence(carol, "chat").getError().getCode()).isEqualTo(413);
    assertThat(stats(carol, "chat").getPresenceStats().getSessions()).isEqualTo(4);
  }

  @Test
  void presenceIsReadableByThoseWhoMaySubscribeAndOffOrApiOnlyRoomsRefuseClients() {
    FakeClient member = client("alice");
    subscribe(member, "chat", false);
    FakeClient outsider = client("mallory", "lobby", "");

    assertThat(presence(outsider, "chat").getError().getCode()).isEqualTo(403);
    assertThat(stats(outsider, "chat").getError().getCode()).isEqualTo(403);
    assertThat(presence(member, "quiet:x").getError().getCode()).isEqualTo(403);
    assertThat(presence(member, "ops:x").getError().getCode()).isEqualTo(403);
    assertThat(presence(member, "chat").hasPresence()).isTrue();
  }

  @Test
  void joinLeaveOfAnApiOnlyRoomNeverReachesClients() {
    FakeClient watcher = client("watcher");
    subscribe(watcher, "ops:x", true);
    FakeClient bob = client("bob");
    subscribe(bob, "ops:x", false);

    assertThat(events(watcher)).isEmpty();
    assertThat(node.presenceStats(Principal.anonymous(RoomPermissions.ALL), "ops:x").toCompletableFuture().join().getSessions())
        .isEqualTo(2);
  }

  @Test
  void aSignedInSessionIsSubscribedToItsPersonalRoomAndGetsItsMessagesOnEveryTab() {
    FakeClient alice = client("alice");
    FakeClient aliceTab = client("alice");
    FakeClient bob = client("bob", "*", "*");

    ServerFrame pushed = alice.connection.framesOf(ServerFrame.KindCase.SUBSCRIBED).get(0);
    assertThat(pushed.hasId()).isFalse();
    assertThat(pushed.getSubscribed().getRoom()).isEqualTo("@alice");

    node.publish("@alice", Payload.text("for alice"));
    loop.settle();
    assertThat(alice.texts("@alice")).containsExactly("for alice");
    assertThat(aliceTab.texts("@alice")).containsExactly("for alice");
    assertThat(bob.texts("@alice")).isEmpty();
    assertThat(alice.offsets("@alice")).containsExactly(1L);
  }

  @Test
  void nobodyElseSubscribesToReadsOrPublishesInAPersonalRoomEvenWithEveryGrant() {
    client("alice");
    FakeClient bob = client("bob", "*", "*");

    assertThat(subscribe(bob, "@alice", false).getError().getCode()).isEqualTo(403);
    assertThat(presence(bob, "@alice").getError().getCode()).isEqualTo(403);
    assertThat(bob.reply(bob.publish("@alice", "hi")).getError().getCode()).isEqualTo(403);

    FakeClient support = client("support", "", "@*");
    assertThat(support.reply(support.publish("@alice", "from support")).hasAck()).isTrue();
  }

  @Test
  void aSessionRoomReachesThatConnectionAloneWithoutOffsetOrHistory() {
    FakeClient alice = client("alice");
    FakeClient aliceTab = client("alice");
    String room = "$" + alice.session.id();

    node.publish(room, Payload.text("just this tab"));
    loop.settle();

    assertThat(alice.texts(room)).containsExactly("just this tab");
    assertThat(alice.offsets(room)).containsExactly(0L);
    assertThat(aliceTab.texts(room)).isEmpty();
    assertThat(broker.history(room, StreamPosition.EMPTY, 10).toCompletableFuture().join().publications()).isEmpty();
    assertThat(subscribe(aliceTab, room, false).getError().getCode()).isEqualTo(403);
  }

  @Test
  void aSessionRoomIsNoRoomOfTheNodeAndGoesWithItsSession() {
    FakeClient alice = client("alice");
    String room = "$" + alice.session.id();

    assertThat(node.roomCount()).isEqualTo(1); // @alice: the session room costs no room, only its broker subscription
    close(alice);
    node.publish(room, Payload.text("after she left"));
    loop.settle();

    assertThat(alice.texts(room)).isEmpty();
  }

  @Test
  void aReconnectingClientResumesItsPersonalRoomFromWhereItStopped() {
    FakeClient alice = client("alice");
    node.publish("@alice", Payload.text("one"));
    loop.settle();
    String epoch = alice.connection.framesOf(ServerFrame.KindCase.MESSAGE).get(0).getMessage().getEpoch();
    close(alice);
    node.publish("@alice", Payload.text("two")); // while she is away
    node.publish("@alice", Payload.text("three"));

    FakeClient back = client("alice");
    int id = ids.incrementAndGet();
    back.send(ClientFrame.newBuilder().setId(id).setSubscribe(Subscribe.newBuilder().setRoom("@alice")
        .setSince(Position.newBuilder().setOffset(1).setEpoch(epoch))).build());
    ServerFrame reply = back.reply(id);

    assertThat(reply.getSubscribed().getRecovered()).isTrue();
    assertThat(back.texts("@alice")).containsExactly("two", "three");
    node.publish("@alice", Payload.text("four"));
    loop.settle();
    assertThat(back.texts("@alice")).containsExactly("two", "three", "four");
  }

  @Test
  void aRefreshedTokenKeepsThePersonalAndSessionRooms() {
    FakeClient alice = client("alice");
    int id = ids.incrementAndGet();
    alice.send(ClientFrame.newBuilder().setId(id).setRefresh(Refresh.newBuilder()
        .setToken("alice|chat|")).build());
    assertThat(alice.reply(id).hasAck()).isTrue();

    assertThat(alice.connection.framesOf(ServerFrame.KindCase.UNSUBSCRIBED)).isEmpty();
    node.publish("@alice", Payload.text("still here"));
    node.publish("$" + alice.session.id(), Payload.text("me too"));
    loop.settle();
    assertThat(alice.texts("@alice")).containsExactly("still here");
    assertThat(alice.texts("$" + alice.session.id())).containsExactly("me too");
  }

  /** Tokens of the form {@code user|subscribe grants|publish grants}, never expiring. */
  private static final class Tokens implements Authenticator {
    private final Scheduler clock;

    Tokens(Scheduler clock) {
      this.clock = clock;
    }

    @Override
    public Principal authenticate(String token) throws InvalidTokenException {
      String[] parts = token.split("\\|", -1);
      if (parts.length != 3) throw new InvalidTokenException("not a test token");
      return new Principal(parts[0], new RoomPermissions(grants(parts[1]), grants(parts[2])),
          Optional.of(Instant.ofEpochMilli(clock.nowMillis() + 3_600_000)));
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
