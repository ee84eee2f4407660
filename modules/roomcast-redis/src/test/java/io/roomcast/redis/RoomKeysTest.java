package io.roomcast.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RoomKeysTest {
  private final RoomKeys keys = new RoomKeys("roomcast:");

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void namesKeysAndChannelWithTheRoomAsHashTag() {
    byte[][] k = keys.keys("chat");
    assertThat(s(k[0])).isEqualTo("roomcast:{chat}:offset");
    assertThat(s(k[1])).isEqualTo("roomcast:{chat}:epoch");
    assertThat(s(k[2])).isEqualTo("roomcast:{chat}:history");
    assertThat(s(keys.channel("chat"))).isEqualTo("roomcast:{chat}");
  }

  @Test
  void keysAndChannelShareOneSlotEvenForAwkwardRoomNames() {
    for (String room : new String[] {"chat", "a}b", "{x}", "a{b", "émoji-😀", "with:colons"}) {
      int slot = SlotHash.getSlot(keys.channel(room));
      for (byte[] key : keys.keys(room)) assertThat(SlotHash.getSlot(key)).as(room).isEqualTo(slot);
    }
  }

  @Test
  void readsTheRoomBackFromItsChannel() {
    assertThat(keys.roomOf(keys.channel("a}b"))).isEqualTo("a}b");
    assertThat(keys.roomOf("other:{chat}".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(keys.roomOf("roomcast:chat".getBytes(StandardCharsets.UTF_8))).isNull();
  }

  @Test
  void refusesTheEmptyRoomWhoseTagWouldNotBeOne() {
    assertThatThrownBy(() -> keys.channel("")).isInstanceOf(IllegalArgumentException.class);
  }
}
