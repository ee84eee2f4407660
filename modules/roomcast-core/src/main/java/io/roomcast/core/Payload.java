package io.roomcast.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The body of a published message: opaque bytes, marked as text when they are UTF-8 meant for people
 * (JSON clients then see a string instead of base64). The array is shared, never copied: nobody may
 * change it after construction.
 */
public record Payload(byte[] bytes, boolean text) {
  public Payload {
    Objects.requireNonNull(bytes, "bytes");
  }

  public static Payload text(String text) {
    return new Payload(text.getBytes(StandardCharsets.UTF_8), true);
  }

  public static Payload binary(byte[] bytes) {
    return new Payload(bytes, false);
  }

  public int size() {
    return bytes.length;
  }

  public String asText() {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
