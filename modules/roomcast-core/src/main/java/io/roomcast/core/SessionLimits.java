package io.roomcast.core;

/**
 * Limits for one client connection.
 *
 * @param maxMessageBytes largest WebSocket message a client may send (close 1009 above it)
 * @param maxPayloadBytes largest payload of one publish (error 413 above it)
 * @param maxFramesPerMessage most frames one incoming WebSocket message may batch (close 4000 above it)
 * @param maxRooms most rooms one connection may be subscribed to (error 429 above it)
 * @param maxRoomNameLength longest room name (error 400 above it)
 * @param maxQueuedBytes outbound bytes waiting behind the write in flight before the client counts as slow
 * @param maxQueuedFrames outbound frames waiting behind the write in flight before the client counts as slow
 * @param maxBatchBytes largest outbound WebSocket message that batching builds (a bigger single frame goes alone)
 */
public record SessionLimits(
    int maxMessageBytes,
    int maxPayloadBytes,
    int maxFramesPerMessage,
    int maxRooms,
    int maxRoomNameLength,
    int maxQueuedBytes,
    int maxQueuedFrames,
    int maxBatchBytes) {
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 65_536;
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 65_000;
  public static final int DEFAULT_MAX_FRAMES_PER_MESSAGE = 100;
  public static final int DEFAULT_MAX_ROOMS = 128;
  public static final int DEFAULT_MAX_ROOM_NAME_LENGTH = 128;
  public static final int DEFAULT_MAX_QUEUED_BYTES = 1 << 20;
  public static final int DEFAULT_MAX_QUEUED_FRAMES = 8_192;
  public static final int DEFAULT_MAX_BATCH_BYTES = 65_536;

  public SessionLimits {
    positive("maxMessageBytes", maxMessageBytes);
    positive("maxPayloadBytes", maxPayloadBytes);
    positive("maxFramesPerMessage", maxFramesPerMessage);
    positive("maxRooms", maxRooms);
    positive("maxRoomNameLength", maxRoomNameLength);
    positive("maxQueuedFrames", maxQueuedFrames);
    positive("maxBatchBytes", maxBatchBytes);
    if (maxPayloadBytes > maxMessageBytes) {
      throw new IllegalArgumentException("maxPayloadBytes (" + maxPayloadBytes + ") must not exceed maxMessageBytes (" + maxMessageBytes + ")");
    }
    if (maxQueuedBytes < maxMessageBytes) {
      throw new IllegalArgumentException("maxQueuedBytes (" + maxQueuedBytes + ") must hold at least one message of maxMessageBytes (" + maxMessageBytes + ")");
    }
  }

  public static SessionLimits defaults() {
    return new SessionLimits(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_FRAMES_PER_MESSAGE,
        DEFAULT_MAX_ROOMS, DEFAULT_MAX_ROOM_NAME_LENGTH, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_FRAMES,
        DEFAULT_MAX_BATCH_BYTES);
  }

  static void positive(String name, long value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be positive: " + value);
  }
}
