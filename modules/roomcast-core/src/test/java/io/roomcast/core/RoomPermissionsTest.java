package io.roomcast.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoomPermissionsTest {
  @Test
  void exactNamesPrefixesAndTheWildcardGrantWhatTheySay() {
    RoomPermissions p = new RoomPermissions(List.of("lobby", "team-7:*"), List.of("*"));

    assertThat(p.canSubscribe("lobby")).isTrue();
    assertThat(p.canSubscribe("lobby2")).isFalse();
    assertThat(p.canSubscribe("team-7:general")).isTrue();
    assertThat(p.canSubscribe("team-7")).isFalse();
    assertThat(p.canSubscribe("team-70:general")).isFalse();
    assertThat(p.canPublish("anything")).isTrue();
    assertThat(RoomPermissions.NONE.canSubscribe("lobby")).isFalse();
  }

  @Test
  void grantsWithAStarAnywhereButTheEndAreInvalid() {
    assertThat(RoomPermissions.invalidGrants(List.of("a", "b:*", "*", "a*b", "**", ""))).containsExactly("a*b", "**", "");
  }
}
