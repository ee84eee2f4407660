package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.it.ChaosChecker.Ack;
import io.roomcast.it.ChaosChecker.Held;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chaos checker on hand-made logs: it passes a clean run and names every way a run can break the promise. */
class ChaosCheckerTest {
  private final Map<String, String> published = new LinkedHashMap<>();
  private final List<Ack> acks = new ArrayList<>();
  private final List<Held> held = new ArrayList<>();

  /** Publishes {@code id} in room "r", acknowledged at {@code offset} of {@code epoch}, and held by Redis when {@code kept}. */
  private void acked(String id, String epoch, long offset, boolean kept) {
    published.put(id, "r");
    acks.add(new Ack("r", id, offset, epoch, "test"));
    if (kept) held.add(new Held("r", id, epoch, offset));
  }

  private ChaosReport check(boolean durableAcks, ChaosLog... logs) {
    return new ChaosChecker(durableAcks).check(published, acks, List.of(logs), held);
  }

  private static ChaosLog subscriber(String name) {
    return new ChaosLog(name, "r").start("", 0);
  }

  @Test
  void aRunWhereEveryoneGetsEverythingInOrderIsClean() {
    acked("a", "E1", 1, true);
    acked("b", "E1", 2, true);
    acked("c", "E1", 3, true);
    ChaosReport report = check(true,
        subscriber("s1").deliver("a", "E1", 1).deliver("b", "E1", 2).deliver("c", "E1", 3),
        subscriber("s2").deliver("a", "E1", 1).reconnected(5).deliver("b", "E1", 2).deliver("c", "E1", 3));

    assertThat(report.violations()).isEmpty();
    assertThat(report.acknowledged).isEqualTo(3);
    assertThat(report.delivered).isEqualTo(6);
    assertThat(report.lost).isZero();
  }

  @Test
  void aSkippedOffsetNobodyAnnouncedIsASilentGap() {
    acked("a", "E1", 1, true);
    acked("b", "E1", 2, true);
    acked("c", "E1", 3, true);
    ChaosReport report = check(false, subscriber("s1").deliver("a", "E1", 1).deliver("c", "E1", 3));

    assertThat(report.silentGaps).isEqualTo(1);
    assertThat(report.lostSilently).isEqualTo(1);
    assertThat(report.violations()).anyMatch(v -> v.contains("silent gap, E1:2..2"))
        .anyMatch(v -> v.contains("'b'") && v.contains("held by Redis but was never delivered"));
  }

  @Test
  void aMessageDeliveredTwiceIsADuplicate() {
    acked("a", "E1", 1, true);
    acked("b", "E1", 2, true);
    ChaosReport report = check(false, subscriber("s1").deliver("a", "E1", 1).deliver("b", "E1", 2).deliver("b", "E1", 2));

    assertThat(report.duplicated).isEqualTo(1);
    assertThat(report.violations()).singleElement().asString().contains("duplicate 'b'");
  }

  @Test
  void aRetryStoredUnderANewOffsetIsCaughtAsStoredTwiceAndDuplicated() {
    acked("a", "E1", 1, true);
    acked("b", "E1", 3, true); // its first attempt timed out but was stored at 2; the retry got 3
    held.add(new Held("r", "b", "E1", 2));
    ChaosReport report = check(false, subscriber("s1").deliver("a", "E1", 1).deliver("b", "E1", 2).deliver("b", "E1", 3));

    assertThat(report.storedTwice).isEqualTo(1);
    assertThat(report.duplicated).isEqualTo(1);
  }

  @Test
  void offsetsOutOfOrderAreARegress() {
    acked("a", "E1", 1, true);
    acked("b", "E1", 2, true);
    acked("c", "E1", 3, true);
    ChaosReport report = check(false, subscriber("s1").deliver("a", "E1", 1).deliver("c", "E1", 3).deliver("b", "E1", 2));

    assertThat(report.regressions).isEqualTo(1);
    assertThat(report.violations()).anyMatch(v -> v.contains("regress, E1:2 after 3"));
  }

  @Test
  void anOffsetHandedOutTwiceInOneEpochIsCaughtEvenWhenTheClientDroppedTheSecond() {
    // Redis came back from a snapshot taken at offset 1 and kept its epoch: "b2" got offset 2 again.
    acked("a", "E1", 1, true);
    acked("b", "E1", 2, false);
    acked("b2", "E1", 2, true);
    acked("c", "E1", 3, true);
    ChaosLog before = subscriber("s1").deliver("a", "E1", 1).deliver("b", "E1", 2).deliver("c", "E1", 3); // dropped b2 as "seen"
    ChaosReport report = check(false, before);

    assertThat(report.offsetsReused).isEqualTo(1);
    assertThat(report.violations()).anyMatch(v -> v.contains("offset reused: r E1:2"))
        .anyMatch(v -> v.contains("'b2'") && v.contains("held by Redis but was never delivered"));
  }

  @Test
  void aNewEpochWithoutAResetIsASilentEpochChange() {
    acked("a", "E1", 1, false);
    acked("x", "E2", 1, true);
    ChaosReport report = check(false, subscriber("s1").deliver("a", "E1", 1).deliver("x", "E2", 1));

    assertThat(report.silentEpochChanges).isEqualTo(1);
  }

  @Test
  void anAckedMessageLostWithRedisIsAllowedOnlyWhereAResetAnnouncedIt() {
    acked("a", "E1", 1, false);
    acked("b", "E1", 2, false); // acked, then Redis failed over to a replica that never had it
    acked("x", "E2", 1, true);
    ChaosLog told = subscriber("told").deliver("a", "E1", 1).reset("E2", 0).deliver("x", "E2", 1);
    ChaosLog notTold = subscriber("not told").deliver("a", "E1", 1).deliver("x", "E2", 1);

    ChaosReport report = check(false, told, notTold);

    assertThat(report.lost).isEqualTo(1);
    assertThat(report.lostAnnounced).isEqualTo(1);
    assertThat(report.lostSilently).isEqualTo(1);
    assertThat(report.resets).isEqualTo(1);
    assertThat(report.violations()).allMatch(v -> v.contains("not told"));
    assertThat(report.violations()).anyMatch(v -> v.contains("'b'") && v.contains("no reset announced its loss"));
  }

  @Test
  void withDurableAcksEvenAnAnnouncedLossOfAnAckedMessageFails() {
    acked("a", "E1", 1, false);
    acked("b", "E1", 2, false);
    acked("x", "E2", 1, true);
    ChaosLog told = subscriber("told").deliver("a", "E1", 1).reset("E2", 0).deliver("x", "E2", 1);

    assertThat(check(false, told).violations()).isEmpty();
    assertThat(check(true, told).violations()).singleElement().asString()
        .contains("'b'").contains("lost though publish-replicas >= 1");
  }

  @Test
  void aResetThatSkipsMessagesRedisStillHoldsIsNotAnExcuse() {
    // the new epoch's first messages are in history: a subscriber must get them after its notice
    acked("x", "E2", 1, true);
    acked("y", "E2", 2, true);
    ChaosReport report = check(false, subscriber("s1").reset("E2", 1).deliver("y", "E2", 2));

    assertThat(report.violations()).singleElement().asString().contains("'x'").contains("held by Redis");
  }

  @Test
  void theSameMessageAgainInALaterEpochAfterAResetIsAllowed() {
    // a publish timed out, was stored in E1 and lost with it; its retry with the same key landed in E2
    published.put("b", "r");
    acked("x", "E2", 1, true);
    acks.add(new Ack("r", "b", 2, "E2", "test"));
    held.add(new Held("r", "b", "E2", 2));
    ChaosReport report = check(true, subscriber("s1").deliver("b", "E1", 1).reset("E2", 0).deliver("x", "E2", 1).deliver("b", "E2", 2));

    assertThat(report.violations()).isEmpty();
    assertThat(report.redeliveredAfterReset).isEqualTo(1);
  }

  @Test
  void aViolationTellsWhatTheSubscriberSawOfTheEpoch() {
    ChaosLog log = subscriber("s1").deliver("a", "E1", 1).reset("E2", 0).deliver("x", "E2", 1).deliver("y", "E2", 2)
        .reconnected(1).reset("E2", 0).deliver("x", "E2", 1);

    assertThat(ChaosChecker.story(log, "E2")).isEqualTo("[reset@0 1-2 reconnect reset@0 1]");
  }

  @Test
  void figuresCountRepliesAndPercentiles() {
    assertThat(ChaosReport.percentile(List.of(5L, 1L, 3L, 100L), 0.99)).isEqualTo(100);
    assertThat(ChaosReport.percentile(List.of(), 0.99)).isEqualTo(-1);
  }
}
