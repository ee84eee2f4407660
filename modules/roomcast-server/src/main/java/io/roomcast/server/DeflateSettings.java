package io.roomcast.server;

/**
 * permessage-deflate (RFC 7692) as the node negotiates it.
 *
 * @param enabled whether the node accepts a client's offer of permessage-deflate
 * @param level DEFLATE level, 1 (fastest) to 9 (smallest)
 * @param minBytes frames shorter than this are sent uncompressed (shared mode only)
 * @param contextTakeover false (default): each broadcast frame is compressed once per node and the
 *     bytes shared by every subscriber; true: Undertow compresses every message per connection,
 *     carrying context between messages (better ratios on small similar messages, CPU per connection)
 */
public record DeflateSettings(boolean enabled, int level, int minBytes, boolean contextTakeover) {
  public static final int DEFAULT_LEVEL = 6;
  public static final int DEFAULT_MIN_BYTES = 256;

  public DeflateSettings {
    if (level < 1 || level > 9) throw new IllegalArgumentException("deflate level must be 1..9: " + level);
    if (minBytes < 0) throw new IllegalArgumentException("deflate min-size must not be negative: " + minBytes);
  }

  public static DeflateSettings defaults() {
    return new DeflateSettings(true, DEFAULT_LEVEL, DEFAULT_MIN_BYTES, false);
  }

  public static DeflateSettings off() {
    return new DeflateSettings(false, DEFAULT_LEVEL, DEFAULT_MIN_BYTES, false);
  }
}
