package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentPublicationsTest {
  private final RecentPublications recent = new RecentPublications();

  private static Publication p(long offset, String epoch, long time) {
    return new Publication("room", Payload.text("m" + offset), offset, epoch, time);
  }

  @Test
  void theSamePublicationTwiceIsARepeatEvenAfterOthersCameBetween() {
    assertThat(recent.repeats(p(1, "e", 100))).isFalse();
    assertThat(recent.repeats(p(2, "e", 101))).isFalse();
    assertThat(recent.repeats(p(1, "e", 100))).isTrue();
    assertThat(recent.repeats(p(2, "e", 101))).isTrue();
  }

  @Test
  void anOffsetGivenAgainWithAnotherTimeIsNotARepeat() {
    recent.repeats(p(5, "e", 100));
    assertThat(recent.repeats(p(5, "e", 200))).isFalse(); // the stream went back: a reset, never dropped here
  }

  @Test
  void aNewEpochForgetsTheOldOnesAndMessagesWithoutOffsetsAreNeverRepeats() {
    recent.repeats(p(1, "e", 100));
    assertThat(recent.repeats(p(1, "f", 100))).isFalse();
    Publication raw = new Publication("room", Payload.text("raw"), Publication.NO_OFFSET, "", 100);
    assertThat(recent.repeats(raw)).isFalse();
    assertThat(recent.repeats(raw)).isFalse();
  }
}
