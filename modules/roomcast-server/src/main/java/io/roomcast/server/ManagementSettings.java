package io.roomcast.server;

import java.util.Objects;
import java.util.Optional;

/**
 * The management port: {@code /admin/*} and {@code /metrics} (and the health endpoints), never on
 * the public port.
 *
 * @param host the address it binds; a loopback one by default, so only the node's host reaches it
 * @param port its port; 0 picks a free one (the node logs it, {@link RoomcastServer#managementPort()} tells it)
 * @param token the credential admin calls must carry ({@code Authorization: Bearer}); required when
 *     {@code host} is not a loopback address, empty for none
 */
public record ManagementSettings(String host, int port, Optional<String> token) {
  public ManagementSettings {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
    Objects.requireNonNull(token, "token");
    if (token.isPresent() && token.get().isBlank()) throw new IllegalArgumentException("token must not be blank");
  }

  /** Never the token itself: a config printed in a log or an error must not carry it. */
  @Override
  public String toString() {
    return "ManagementSettings[host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "(set)" : "(none)") + "]";
  }

  /** Loopback, a free port, no token: for tests and embedding. */
  public static ManagementSettings loopback() {
    return new ManagementSettings("127.0.0.1", 0, Optional.empty());
  }
}
