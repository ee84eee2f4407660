package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * What a node is, beyond its transport.
 *
 * @param nodeId this node's name in logs, metrics and the {@code connected} frame
 * @param limits per-connection limits
 * @param roomLinger how long the node stays subscribed to a room at the broker after its last local
 *     member left, so members that come and go do not churn broker subscriptions
 */
public record NodeConfig(String nodeId, SessionLimits limits, Duration roomLinger) {
  public static final Duration DEFAULT_ROOM_LINGER = Duration.ofSeconds(5);

  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    if (nodeId.isBlank()) throw new IllegalArgumentException("nodeId must not be blank");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(roomLinger, "roomLinger");
    if (roomLinger.isNegative()) throw new IllegalArgumentException("roomLinger must not be negative: " + roomLinger);
  }

  public static NodeConfig defaults(String nodeId) {
    return new NodeConfig(nodeId, SessionLimits.defaults(), DEFAULT_ROOM_LINGER);
  }

  public NodeConfig withLimits(SessionLimits newLimits) {
    return new NodeConfig(nodeId, newLimits, roomLinger);
  }

  public NodeConfig withRoomLinger(Duration linger) {
    return new NodeConfig(nodeId, limits, linger);
  }
}
