package io.roomcast.server;

import io.roomcast.core.PublishRateLimits;
import io.roomcast.core.SubscribeRateLimits;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node lets in and how: tokens, origins, connection limits, the publish rate, proxies, TLS, the
 * HTTP publish rate and the subscribe rate.
 * docs/security.md says which threat each answers.
 */
public record SecurityConfig(AuthConfig auth, OriginPolicy origins, ConnectionLimits connections,
    PublishRateLimits publishRate, TrustedProxies proxies, Optional<TlsConfig> tls, ApiPublishRateLimits apiPublishRate,
    SubscribeRateLimits subscribeRate) {
  public SecurityConfig {
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(origins, "origins");
    Objects.requireNonNull(connections, "connections");
    Objects.requireNonNull(publishRate, "publishRate");
    Objects.requireNonNull(proxies, "proxies");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(apiPublishRate, "apiPublishRate");
    Objects.requireNonNull(subscribeRate, "subscribeRate");
  }

  /** The settings before {@code subscribeRate} existed; it takes its default. */
  public SecurityConfig(AuthConfig auth, OriginPolicy origins, ConnectionLimits connections, PublishRateLimits publishRate,
      TrustedProxies proxies, Optional<TlsConfig> tls, ApiPublishRateLimits apiPublishRate) {
    this(auth, origins, connections, publishRate, proxies, tls, apiPublishRate, SubscribeRateLimits.defaults());
  }

  /** The settings before {@code apiPublishRate} existed; it takes its default. */
  public SecurityConfig(AuthConfig auth, OriginPolicy origins, ConnectionLimits connections, PublishRateLimits publishRate,
      TrustedProxies proxies, Optional<TlsConfig> tls) {
    this(auth, origins, connections, publishRate, proxies, tls, ApiPublishRateLimits.defaults());
  }

  public static SecurityConfig defaults() {
    return new SecurityConfig(AuthConfig.open(), OriginPolicy.defaults(), ConnectionLimits.defaults(),
        PublishRateLimits.defaults(), TrustedProxies.none(), Optional.empty(), ApiPublishRateLimits.defaults());
  }

  public SecurityConfig withAuth(AuthConfig a) {
    return new SecurityConfig(a, origins, connections, publishRate, proxies, tls, apiPublishRate, subscribeRate);
  }

  public SecurityConfig withOrigins(OriginPolicy o) {
    return new SecurityConfig(auth, o, connections, publishRate, proxies, tls, apiPublishRate, subscribeRate);
  }

  public SecurityConfig withConnections(ConnectionLimits c) {
    return new SecurityConfig(auth, origins, c, publishRate, proxies, tls, apiPublishRate, subscribeRate);
  }

  public SecurityConfig withProxies(TrustedProxies p) {
    return new SecurityConfig(auth, origins, connections, publishRate, p, tls, apiPublishRate, subscribeRate);
  }

  public SecurityConfig withTls(TlsConfig t) {
    return new SecurityConfig(auth, origins, connections, publishRate, proxies, Optional.of(t), apiPublishRate, subscribeRate);
  }

  public SecurityConfig withApiPublishRate(ApiPublishRateLimits rate) {
    return new SecurityConfig(auth, origins, connections, publishRate, proxies, tls, rate, subscribeRate);
  }

  public SecurityConfig withSubscribeRate(SubscribeRateLimits rate) {
    return new SecurityConfig(auth, origins, connections, publishRate, proxies, tls, apiPublishRate, rate);
  }
}
