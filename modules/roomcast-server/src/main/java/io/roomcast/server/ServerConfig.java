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
 * @param security tokens, origins, connection limits, proxies and TLS
 */
public record ServerConfig(String host, int port, Optional<String> redis, Duration closeTimeout, NodeConfig node,
    SecurityConfig security) {
  public ServerConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(closeTimeout, "closeTimeout");
    if (closeTimeout.isNegative() || closeTimeout.isZero()) {
      throw new IllegalArgumentException("closeTimeout must be positive: " + closeTimeout);
    }
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(security, "security");
  }

  /** The defaults of reference.conf on a free loopback port: for tests and embedding. */
  public static ServerConfig loopback(String nodeId) {
    return ConfigLoader.load(Optional.empty(), java.util.Map.of(
        "roomcast.host", "127.0.0.1", "roomcast.port", "0", "roomcast.node-id", nodeId), java.util.Map.of());
  }

  public ServerConfig withNode(NodeConfig newNode) {
    return new ServerConfig(host, port, redis, closeTimeout, newNode, security);
  }

  public ServerConfig withSecurity(SecurityConfig newSecurity) {
    return new ServerConfig(host, port, redis, closeTimeout, node, newSecurity);
  }
}
