package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Presence} store guarantees, with several views of one store standing for the
 * nodes of a cluster. Time is real for the Redis store (it reads Redis's clock), so the durations are
 * short; a store on a clock of the test's own ({@link #now()}) moves it instead of waiting. Every
 * "nothing happened" is proven by a later event that must come after it: the sweep publishes due
 * leaves in deadline order, so a leave that was due earlier would have been seen first.
 */
public abstract class PresenceContract {
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** Short times for the tests: grace 1 s, members alive 2 s after their node's last refresh. */
  protected static final PresenceConfig CONFIG = PresenceConfig.defaults()
      .withTimes(Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofMillis(500));

  /**
   * A node's view of the store every other view of this test shares, named {@code node}; the joins and
   * leaves of {@code rooms} go to {@code events} (as a node subscribed to them hears them).
   */
  protected abstract Presence newNode(String node, PresenceConfig config, Consumer<PresenceEvent> events, String... rooms);

  /** A room name no other test uses. */
  protected String room(String name) {
    return name + "-" + Long.toString(System.nanoTime(), 36);
  }

  /** The store's time in milliseconds, as the test reads it: the wall clock unless the store runs on the test's own clock. */
  protected long now() {
    return System.currentTimeMillis();
  }

  /** How long the waits of the tests let pass between two looks (real time, which a store on the wall clock needs). */
  protected Duration pollInterval() {
    return Duration.ofMillis(50);
  }

  protected final List<Presence> nodes = new ArrayList<>();

  @AfterEach
  void closeNodes() {
    nodes.forEach(Presence::close);
    nodes.clear();
  }

  private final class Heard implements Consumer<PresenceEvent> {
    final List<PresenceEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void accept(PresenceEvent e) {
      events.add(e);
    }

    List<String> log() {
      return events.stream().map(e -> (e.join() ? "join " : "leave ") + e.member().identity()).toList();
    }

    /** Waits for {@code entry} ("join alice", "leave $s3"), sweeping the room through {@code via} meanwhile. */
    void await(String entry, Presence via, String room) {
      org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(pollInterval()).until(() -> {
        join(via.counts(room));
        return log().contains(entry);
      });
    }
  }

  private Presence node(String name, Heard heard, String room) {
    Presence p = newNode(name, CONFIG, heard, room);
    nodes.add(p);
    return p;
  }

  private static PresenceMember member(String user, String session) {
    return new PresenceMember(user, session, null);
  }

  protected static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  private static List<String> sessions(List<PresenceMember> members) {
    return members.stream().map(PresenceMember::session).sorted().toList();
  }

  @Test
  void joinsAndLeavesOfOneNodeReachTheOthersAndMembersAreExact() {
    String room = room("lobby");
    Heard at1 = new Heard();
    Heard at2 = new Heard();
    Presence n1 = node("n1", at1, room);
    Presence n2 = node("n2", at2, room);

    join(n1.join(room, member("alice", "n1-a")));
    join(n2.join(room, member("bob", "n2-b")));
    at1.await("join bob", n1, room);
    at2.await("join alice", n2, room);

    assertThat(sessions(join(n1.members(room, 10)))).containsExactly("n1-a", "n2-b");
    assertThat(join(n2.counts(room))).isEqualTo(new PresenceCounts(2, 2));

    join(n2.leave(room, member("bob", "n2-b")));
    assertThat(sessions(join(n1.members(room, 10)))).containsExactly("n1-a"); // gone from the list at once
    at1.await("leave bob", n1, room); // the event after the grace
    assertThat(at1.log()).containsExactly("join alice", "join bob", "leave bob");
    assertThat(join(n1.counts(room))).isEqualTo(new PresenceCounts(1, 1));
  }

  @Test
  void aUserWithTwoSessionsJoinsOnceAndLeavesWithTheLastOne() {
    String room = room("tabs");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    Presence n2 = node("n2", new Heard(), room);

    join(n1.join(room, member("alice", "n1-a")));
    join(n2.join(room, member("alice", "n2-a")));
    assertThat(join(n1.counts(room))).isEqualTo(new PresenceCounts(2, 1));
    join(n1.leave(room, member("alice", "n1-a")));
    join(n1.join(room, member("carol", "n1-c")));
    join(n1.leave(room, member("carol", "n1-c")));
    heard.await("leave carol", n1, room); // carol's grace ends after any leave alice's first tab could make

    join(n2.leave(room, member("alice", "n2-a")));
    heard.await("leave alice", n1, room);
    assertThat(heard.log()).containsExactly("join alice", "join carol", "leave carol", "leave alice");
  }

  @Test
  void aMemberBackWithinTheGraceOnAnotherNodeMakesNeitherLeaveNorJoin() {
    String room = room("flaky");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    Presence n2 = node("n2", new Heard(), room);
    join(n1.join(room, member("alice", "n1-a")));
    join(n1.join(room, member("bob", "n1-b")));

    join(n1.leave(room, member("alice", "n1-a"))); // alice's connection drops...
    join(n2.join(room, member("alice", "n2-x"))); // ...and she is back, on another node, with a new session
    join(n1.leave(room, member("bob", "n1-b"))); // bob leaves for good, after her: his grace ends after hers
    heard.await("leave bob", n1, room);

    assertThat(heard.log()).containsExactly("join alice", "join bob", "leave bob");
    assertThat(join(n1.members(room, 10))).containsExactly(member("alice", "n2-x"));
  }

  @Test
  void aMemberBackAfterTheGraceLeavesAndJoinsAgain() {
    String room = room("slow");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    join(n1.join(room, member("alice", "n1-a")));
    join(n1.leave(room, member("alice", "n1-a")));
    heard.await("leave alice", n1, room);

    join(n1.join(room, member("alice", "n1-z")));

    org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(pollInterval()).until(() -> heard.log().size() == 3);
    assertThat(heard.log()).containsExactly("join alice", "leave alice", "join alice");
  }

  @Test
  void anonymousSessionsAreMembersButNotUsers() {
    String room = room("anon");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    join(n1.join(room, member("", "n1-1")));
    join(n1.join(room, member("", "n1-2")));
    join(n1.join(room, member("dave", "n1-3")));

    assertThat(join(n1.counts(room))).isEqualTo(new PresenceCounts(3, 1));
    join(n1.leave(room, member("", "n1-1")));
    heard.await("leave $n1-1", n1, room);
    assertThat(heard.log()).containsExactly("join $n1-1", "join $n1-2", "join dave", "leave $n1-1");
  }

  @Test
  void theMembersOfANodeThatStopsRefreshingAreGoneWithinTheTtlAndLeave() {
    String room = room("crash");
    Heard heard = new Heard();
    Presence dead = node("n1", new Heard(), room);
    Presence alive = node("n2", heard, room);
    PresenceMember bob = member("bob", "n2-b");
    join(dead.join(room, member("alice", "n1-a")));
    join(dead.join(room, member("", "n1-anon")));
    join(alive.join(room, bob));
    long crashed = now(); // n1 never refreshes from now on

    org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(pollInterval().multipliedBy(2)).until(() -> {
      join(alive.refresh(Map.of(room, List.of(bob)))); // n2 keeps refreshing, as its tracker does
      return heard.log().contains("leave alice") && heard.log().contains("leave $n1-anon");
    });

    assertThat(now() - crashed).isGreaterThanOrEqualTo(CONFIG.ttl().toMillis());
    assertThat(join(alive.members(room, 10))).containsExactly(bob); // n2's member outlived the ttl
    assertThat(join(alive.counts(room))).isEqualTo(new PresenceCounts(1, 1));
  }

  @Test
  void aUserWhoReconnectsToAnotherNodeBeforeTheDeadNodeExpiresMakesNoEvent() {
    String room = room("restart");
    Heard heard = new Heard();
    Presence dead = node("n1", new Heard(), room);
    Presence alive = node("n2", heard, room);
    join(dead.join(room, member("alice", "n1-a")));
    PresenceMember again = member("alice", "n2-a2");
    join(alive.join(room, again)); // her client reconnected to n2 while n1 is not yet known dead
    PresenceMember bob = member("bob", "n2-b");
    join(alive.join(room, bob));

    org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(pollInterval().multipliedBy(2)).until(() -> {
      join(alive.refresh(Map.of(room, List.of(again, bob))));
      return join(alive.counts(room)).sessions() == 2; // n1's session expired
    });
    join(alive.leave(room, bob));
    heard.await("leave bob", alive, room);

    assertThat(heard.log()).containsExactly("join alice", "join bob", "leave bob");
  }

  @Test
  void aRoomWithMoreMembersThanTheLimitIsNotListedButCounted() {
    String room = room("crowd");
    Presence n1 = node("n1", new Heard(), room);
    for (int i = 0; i < 3; i++) join(n1.join(room, member("u" + i, "n1-" + i)));

    assertThatThrownBy(() -> join(n1.members(room, 2)))
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(TooManyMembersException.class, e -> assertThat(e.members()).isEqualTo(3));
    assertThat(join(n1.members(room, 3))).hasSize(3);
    assertThat(join(n1.counts(room))).isEqualTo(new PresenceCounts(3, 3));
  }

  @Test
  void aRefreshRepairsWhatTheStoreHoldsOfTheNode() {
    String room = room("repair");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    join(n1.join(room, member("alice", "n1-a")));

    // the node holds bob and carol, not alice (a leave that failed, joins the store lost)
    Collection<PresenceMember> local = List.of(member("bob", "n1-b"), member("carol", "n1-c"));
    join(n1.refresh(Map.of(room, local)));

    assertThat(sessions(join(n1.members(room, 10)))).containsExactly("n1-b", "n1-c");
    heard.await("leave alice", n1, room);
    assertThat(heard.log()).containsExactlyInAnyOrder("join alice", "join bob", "join carol", "leave alice");
  }

  @Test
  void anEmptyRoomHasNoMembers() {
    String room = room("empty");
    Presence n1 = node("n1", new Heard(), room);
    assertThat(join(n1.members(room, 10))).isEmpty();
    assertThat(join(n1.counts(room))).isEqualTo(new PresenceCounts(0, 0));
  }

  @Test
  void infoTravelsWithTheMember() {
    String room = room("info");
    Heard heard = new Heard();
    Presence n1 = node("n1", heard, room);
    com.google.protobuf.Struct info = com.google.protobuf.Struct.newBuilder()
        .putFields("name", com.google.protobuf.Value.newBuilder().setStringValue("Alice").build()).build();
    join(n1.join(room, new PresenceMember("alice", "n1-a", info)));

    heard.await("join alice", n1, room);
    assertThat(heard.events.get(0).member().info()).isEqualTo(info);
    assertThat(join(n1.members(room, 10)).get(0).info()).isEqualTo(info);
  }
}
