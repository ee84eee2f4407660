package io.roomcast.redis;

import java.nio.charset.StandardCharsets;

/**
 * Names a room's Redis keys and channel. The room is the hash tag of each, so all of them hash to one
 * Cluster slot and one script can touch them all: {@code <prefix>{<room>}:offset}, {@code :epoch},
 * {@code :history}, {@code :gen}, the idempotency keys {@code :idem:<key>} and the channel
 * {@code <prefix>{<room>}}. The node's probe channel has no room: {@code <prefix>probe:<id>}.
 */
final class RoomKeys {
  private final String prefix;

  RoomKeys(String prefix) {
    this.prefix = prefix;
  }

  /** The four keys of the scripts, in their order: offset, epoch, history, gen. */
  byte[][] keys(String room) {
    String base = base(room);
    return new byte[][] {bytes(base + ":offset"), bytes(base + ":epoch"), bytes(base + ":history"), bytes(base + ":gen")};
  }

  /** The publish script's keys with the idempotency key's as the fifth, or the four alone when {@code key} is null. */
  byte[][] keys(String room, String key) {
    byte[][] four = keys(room);
    if (key == null) return four;
    byte[][] five = java.util.Arrays.copyOf(four, 5);
    five[4] = bytes(base(room) + ":idem:" + key);
    return five;
  }

  /** A channel of this node alone, carrying its liveness probes; not a room's (no braces). */
  byte[] probeChannel(String nodeId) {
    return bytes(prefix + "probe:" + nodeId);
  }

  byte[] channel(String room) {
    return bytes(base(room));
  }

  /** The room of a channel, or null when the channel is not one of ours. */
  String roomOf(byte[] channel) {
    String name = new String(channel, StandardCharsets.UTF_8);
    if (name.length() < prefix.length() + 2 || !name.startsWith(prefix) || name.charAt(prefix.length()) != '{'
        || name.charAt(name.length() - 1) != '}') {
      return null;
    }
    return name.substring(prefix.length() + 1, name.length() - 1);
  }

  private String base(String room) {
    // An empty tag "{}" is no hash tag at all: the keys and the channel would land in different slots.
    if (room.isEmpty()) throw new IllegalArgumentException("room must not be empty");
    return prefix + "{" + room + "}";
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
