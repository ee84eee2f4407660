package io.roomcast.server;

import io.roomcast.core.PublishRateLimits;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node lets in and how: tokens, origins, connection limits, the publish rate, proxies and TLS.
 * docs/security.md says which threat each answers.
 */
public record SecurityConfig(AuthConfig auth, OriginPolicy origins, ConnectionLimits connections,
    PublishRateLimits publishRate, TrustedProxies proxies, Optional<TlsConfig> tls) {
  public SecurityConfig {
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(origins, "origins");
    Objects.requireNonNull(connections, "connections");
    Objects.requireNonNull(publishRate, "publishRate");
    Objects.requireNonNull(proxies, "proxies");
    Objects.requireNonNull(tls, "tls");
  }

  public static SecurityConfig defaults() {
    return new SecurityConfig(AuthConfig.open(), OriginPolicy.defaults(), ConnectionLimits.defaults(),
        PublishRateLimits.defaults(), TrustedProxies.none(), Optional.empty());
  }

  public SecurityConfig withAuth(AuthConfig a) {
    return new SecurityConfig(a, origins, connections, publishRate, proxies, tls);
  }

  public SecurityConfig withOrigins(OriginPolicy o) {
    return new SecurityConfig(auth, o, connections, publishRate, proxies, tls);
  }

  public SecurityConfig withConnections(ConnectionLimits c) {
    return new SecurityConfig(auth, origins, c, publishRate, proxies, tls);
  }

  public SecurityConfig withProxies(TrustedProxies p) {
    return new SecurityConfig(auth, origins, connections, publishRate, p, tls);
  }

  public SecurityConfig withTls(TlsConfig t) {
    return new SecurityConfig(auth, origins, connections, publishRate, proxies, Optional.of(t));
  }
}
