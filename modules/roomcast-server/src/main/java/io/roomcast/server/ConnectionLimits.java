package io.roomcast.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Connections a node takes, all checked before the upgrade.
 *
 * @param maxConnections WebSocket connections on this node (503 above it)
 * @param maxPerAddress WebSocket connections from one client address (429 above it)
 * @param perAddressPerSecond new connections per second from one client address (429 above it)
 * @param perAddressBurst new connections one client address may open at once after being quiet
 * @param handshakeTimeout how long a client may take to send a whole HTTP request (the handshake),
 *     and how long an idle HTTP connection is kept; slower clients are cut (slowloris)
 * @param ipv6PrefixLength the prefix an IPv6 address counts under in the per-address limits (64: one
 *     subscriber's network, so rotating addresses inside it does not escape them); 1 to 128
 */
public record ConnectionLimits(int maxConnections, int maxPerAddress, int perAddressPerSecond, int perAddressBurst,
    Duration handshakeTimeout, int ipv6PrefixLength) {
  public static final int DEFAULT_MAX_CONNECTIONS = 19_000; // under the 20,000 files a process may open
  public static final int DEFAULT_MAX_PER_ADDRESS = 1_000;
  public static final int DEFAULT_PER_ADDRESS_PER_SECOND = 100;
  public static final int DEFAULT_PER_ADDRESS_BURST = 200;
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

  public ConnectionLimits {
    positive("maxConnections", maxConnections);
    positive("maxPerAddress", maxPerAddress);
    positive("perAddressPerSecond", perAddressPerSecond);
    positive("perAddressBurst", perAddressBurst);
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    if (handshakeTimeout.toMillis() < 1) throw new IllegalArgumentException("handshakeTimeout must be at least 1ms: " + handshakeTimeout);
    if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
      throw new IllegalArgumentException("ipv6PrefixLength must be within 1..128: " + ipv6PrefixLength);
    }
    if (perAddressBurst < perAddressPerSecond) {
      throw new IllegalArgumentException("perAddressBurst (" + perAddressBurst + ") must be at least perAddressPerSecond ("
          + perAddressPerSecond + ")");
    }
  }

  /** Limits with IPv6 addresses counted per /64. */
  public ConnectionLimits(int maxConnections, int maxPerAddress, int perAddressPerSecond, int perAddressBurst,
      Duration handshakeTimeout) {
    this(maxConnections, maxPerAddress, perAddressPerSecond, perAddressBurst, handshakeTimeout, DEFAULT_IPV6_PREFIX_LENGTH);
  }

  public static ConnectionLimits defaults() {
    return new ConnectionLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PER_ADDRESS, DEFAULT_PER_ADDRESS_PER_SECOND,
        DEFAULT_PER_ADDRESS_BURST, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IPV6_PREFIX_LENGTH);
  }

  private static void positive(String name, int value) {
    if (value <= 0) throw new IllegalArgumentException(name + " must be positive: " + value);
  }
}
