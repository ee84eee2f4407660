package io.roomcast.client;

import java.nio.charset.StandardCharsets;

/**
 * A message of a subscribed room.
 *
 * @param offset its offset in the room, or 0 when it was injected without one
 * @param timeMs when the broker accepted it, milliseconds since the Unix epoch
 */
public record ReceivedMessage(String room, byte[] payload, boolean text, long offset, String epoch, long timeMs) {
  public String textPayload() {
    return new String(payload, StandardCharsets.UTF_8);
  }
}
