package io.roomcast.server;

import io.roomcast.core.NodeConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a node process is configured with, validated when built.
 *
 * @param redis the broker's Redis URI; empty for the in-memory broker
 * @param closeTimeout how long a closing connection may take before it is cut
 * @param history how much of each room the broker keeps for recovery
 * @param drainWindow how long a drain takes to send every client away
 * @param demoTicker whether the node publishes made-up prices to room "ticker" for the demo page
 */
public record ServerConfig(String host, int port, Optional<String> redis, Duration closeTimeout, History history,
    Duration drainWindow, NodeConfig node, boolean demoTicker) {
  /** Room history kept by the broker: at most {@code size} messages, gone {@code ttl} after the last publish. */
  public record History(int size, Duration ttl) {
    public History {
      if (size < 0) throw new IllegalArgumentException("history size must not be negative: " + size);
      if (ttl.isNegative() || ttl.isZero()) throw new IllegalArgumentException("history ttl must be positive: " + ttl);
    }
  }

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(closeTimeout, "closeTimeout");
    if (closeTimeout.isNegative() || closeTimeout.isZero()) {
      throw new IllegalArgumentException("closeTimeout must be positive: " + closeTimeout);
    }
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(drainWindow, "drainWindow");
    if (drainWindow.isNegative()) throw new IllegalArgumentException("drainWindow must not be negative: " + drainWindow);
    Objects.requireNonNull(node, "node");
  }

  /** The defaults of reference.conf on a free loopback port: for tests and embedding. */
  public static ServerConfig loopback(String nodeId) {
    return ConfigLoader.load(Optional.empty(), java.util.Map.of(
        "roomcast.host", "127.0.0.1", "roomcast.port", "0", "roomcast.node-id", nodeId,
        "roomcast.demo.ticker", "false"), java.util.Map.of());
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, redis, closeTimeout, history, drainWindow, node, demoTicker);
  }

  public ServerConfig withDrainWindow(Duration window) {
    return new ServerConfig(host, port, redis, closeTimeout, history, window, node, demoTicker);
  }

  public ServerConfig withRedis(String uri) {
    return new ServerConfig(host, port, Optional.of(uri), closeTimeout, history, drainWindow, node, demoTicker);
  }

  public ServerConfig withNode(NodeConfig newNode) {
    return new ServerConfig(host, port, redis, closeTimeout, history, drainWindow, newNode, demoTicker);
  }
}
