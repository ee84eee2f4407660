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
 * @param maxRecovered most messages replayed to one resuming subscription; a client that missed more
 *     gets {@code recovered: false} and reloads its state
 * @param heartbeat how dead clients are found
 * @param outbound slow-consumer policy and write delay
 */
public record NodeConfig(String nodeId, SessionLimits limits, Duration roomLinger, int maxRecovered, Heartbeat heartbeat,
    Outbound outbound) {
  public static final Duration DEFAULT_ROOM_LINGER = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_RECOVERED = 1000;

  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    if (nodeId.isBlank()) throw new IllegalArgumentException("nodeId must not be blank");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(roomLinger, "roomLinger");
    if (roomLinger.isNegative()) throw new IllegalArgumentException("roomLinger must not be negative: " + roomLinger);
    Objects.requireNonNull(heartbeat, "heartbeat");
    Objects.requireNonNull(outbound, "outbound");
    if (maxRecovered < 0) throw new IllegalArgumentException("maxRecovered must not be negative: " + maxRecovered);
    if (maxRecovered > limits.maxQueuedFrames()) {
      // a recovery queues up to maxRecovered frames to the client at once
      throw new IllegalArgumentException("maxRecovered (" + maxRecovered + ") must not exceed limits.maxQueuedFrames ("
          + limits.maxQueuedFrames() + ")");
    }
  }

  public NodeConfig(String nodeId, SessionLimits limits, Duration roomLinger, int maxRecovered, Heartbeat heartbeat) {
    this(nodeId, limits, roomLinger, maxRecovered, heartbeat, Outbound.defaults());
  }

  public static NodeConfig defaults(String nodeId) {
    return new NodeConfig(nodeId, SessionLimits.defaults(), DEFAULT_ROOM_LINGER, DEFAULT_MAX_RECOVERED, Heartbeat.defaults());
  }

  /**
   * New limits, and the most messages replayed to one resuming subscription, which must fit in
   * {@code newLimits.maxQueuedFrames()}: both are given together, so neither is changed behind the caller's back.
   */
  public NodeConfig withLimits(SessionLimits newLimits, int newMaxRecovered) {
    return new NodeConfig(nodeId, newLimits, roomLinger, newMaxRecovered, heartbeat, outbound);
  }

  public NodeConfig withHeartbeat(Heartbeat newHeartbeat) {
    return new NodeConfig(nodeId, limits, roomLinger, maxRecovered, newHeartbeat, outbound);
  }

  public NodeConfig withRoomLinger(Duration linger) {
    return new NodeConfig(nodeId, limits, linger, maxRecovered, heartbeat, outbound);
  }

  public NodeConfig withOutbound(Outbound newOutbound) {
    return new NodeConfig(nodeId, limits, roomLinger, maxRecovered, heartbeat, newOutbound);
  }
}
