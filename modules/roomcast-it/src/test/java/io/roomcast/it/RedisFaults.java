package io.roomcast.it;

import io.roomcast.it.ChaosChecker.Held;
import io.roomcast.protocol.v1.Envelope;
import io.roomcast.testkit.Resp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis failures the fixtures do not stage themselves, done with plain commands on a server's port,
 * and reading what a room's history holds.
 */
final class RedisFaults {
  private static final int MAGIC = 4; // C1 'R' 'C' 01 before every envelope

  private RedisFaults() {}

  /**
   * Makes the replica on {@code port} lag: it drops its link to its primary and cannot make a new one
   * (it now offers a password the primary does not know), while it keeps answering everyone else.
   * Writes to the primary from now on are not on this replica. {@link #heal} undoes it.
   */
  static void lag(int port) {
    Resp.call(port, "CONFIG", "SET", "masterauth", "chaos-lag");
    Resp.call(port, "CLIENT", "KILL", "TYPE", "master");
  }

  /** Whether the replica on {@code port} has no link to its primary. */
  static boolean linkDown(int port) {
    String info = (String) Resp.call(port, "INFO", "replication");
    return info.contains("master_link_status:down");
  }

  /**
   * Lets the server on {@code port} replicate again (a no-op for a primary), in its config file too:
   * a Sentinel promotion runs {@code CONFIG REWRITE}, which wrote the lag's password there, and a
   * server started again from that file could never replicate its new primary (the second cycle of a
   * long run stalled on it).
   */
  static void heal(int port) {
    Resp.call(port, "CONFIG", "SET", "masterauth", "");
    try {
      Resp.call(port, "CONFIG", "REWRITE");
    } catch (Resp.Error noConfigFile) {
      // started without a config file: nothing was written there either
    }
  }

  /** The messages of {@code room}'s history on the server on {@code port}: the ids its publishers put in the payloads. */
  static List<Held> history(int port, String room) {
    Object reply = Resp.callBytes(port, "XRANGE", "roomcast:{" + room + "}:history", "-", "+");
    List<Held> held = new ArrayList<>();
    for (Object entry : (List<?>) reply) {
      List<?> fields = (List<?>) ((List<?>) entry).get(1);
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if (!"e".equals(new String((byte[]) fields.get(i), StandardCharsets.UTF_8))) continue;
        byte[] bytes = (byte[]) fields.get(i + 1);
        try {
          Envelope e = Envelope.parseFrom(ByteBuffer.wrap(bytes, MAGIC, bytes.length - MAGIC));
          held.add(new Held(room, e.getText(), e.getEpoch(), e.getOffset()));
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new IllegalStateException("an undecodable history entry in " + room, ex);
        }
      }
    }
    return held;
  }
}
