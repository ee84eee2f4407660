package io.roomcast.server;

import io.roomcast.core.NodeConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a node process is configured with, validated when built.
 *
 * @param closeTimeout how long a closing connection may take before it is cut
 * @param drainWindow how long a drain takes to send every client away
 * @param broker which broker, and the history it keeps
 * @param security tokens, origins, connection limits, proxies and TLS
 * @param demoTicker whether the node publishes made-up prices to room "ticker" for the demo page
 * @param deflate permessage-deflate negotiation and compression
 * @param ioThreads Undertow I/O threads (each owns a shard of the connections); 0 for one per core
 * @param management the management port ({@code /admin/*}, {@code /metrics})
 */
public record ServerConfig(String host, int port, Duration closeTimeout, Duration drainWindow, BrokerSettings broker,
    NodeConfig node, SecurityConfig security, boolean demoTicker, DeflateSettings deflate, int ioThreads,
    ManagementSettings management) {
  public ServerConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
    Objects.requireNonNull(closeTimeout, "closeTimeout");
    if (closeTimeout.isNegative() || closeTimeout.isZero()) {
      throw new IllegalArgumentException("closeTimeout must be positive: " + closeTimeout);
    }
    Objects.requireNonNull(drainWindow, "drainWindow");
    if (drainWindow.isNegative()) throw new IllegalArgumentException("drainWindow must not be negative: " + drainWindow);
    Objects.requireNonNull(broker, "broker");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(deflate, "deflate");
    if (ioThreads < 0) throw new IllegalArgumentException("ioThreads must not be negative: " + ioThreads);
    Objects.requireNonNull(management, "management");
  }

  /** The defaults of reference.conf on a free loopback port: for tests and embedding. */
  public static ServerConfig loopback(String nodeId) {
    return ConfigLoader.load(Optional.empty(), java.util.Map.of(
        "roomcast.host", "127.0.0.1", "roomcast.port", "0", "roomcast.node-id", nodeId,
        "roomcast.demo.ticker", "false", "roomcast.management.port", "0"), java.util.Map.of());
  }

  public ServerConfig withManagement(ManagementSettings newManagement) {
    return new ServerConfig(host, port, closeTimeout, drainWindow, broker, node, security, demoTicker, deflate, ioThreads,
        newManagement);
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, closeTimeout, drainWindow, broker, node, security, demoTicker, deflate, ioThreads, management);
  }

  public ServerConfig withDrainWindow(Duration window) {
    return new ServerConfig(host, port, closeTimeout, window, broker, node, security, demoTicker, deflate, ioThreads, management);
  }

  public ServerConfig withRedis(String uri) {
    BrokerSettings redis = broker.withRedis(uri);
    return new ServerConfig(host, port, closeTimeout, drainWindow, redis, node, security, demoTicker, deflate, ioThreads, management);
  }

  public ServerConfig withNode(NodeConfig newNode) {
    return new ServerConfig(host, port, closeTimeout, drainWindow, broker, newNode, security, demoTicker, deflate, ioThreads, management);
  }

  public ServerConfig withSecurity(SecurityConfig newSecurity) {
    return new ServerConfig(host, port, closeTimeout, drainWindow, broker, node, newSecurity, demoTicker, deflate, ioThreads, management);
  }
}
