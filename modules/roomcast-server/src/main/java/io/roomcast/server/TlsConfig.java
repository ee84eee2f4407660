package io.roomcast.server;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for {@code wss://} and {@code https://} on the node's one port: a PEM certificate chain and
 * PKCS#8 private key, or a PKCS#12 key store.
 *
 * @param certificate PEM file with the certificate chain, leaf first
 * @param privateKey PEM file with the unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY})
 * @param keystore PKCS#12 file with one private key and its chain (instead of the two PEM files)
 * @param keystorePassword the key store's password
 * @param protocols TLS versions offered
 */
public record TlsConfig(Optional<Path> certificate, Optional<Path> privateKey, Optional<Path> keystore,
    String keystorePassword, List<String> protocols) {
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public TlsConfig {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(keystore, "keystore");
    Objects.requireNonNull(keystorePassword, "keystorePassword");
    protocols = List.copyOf(protocols);
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException("tls.certificate and tls.private-key go together");
    }
    if (certificate.isPresent() == keystore.isPresent()) {
      throw new IllegalArgumentException("TLS needs either tls.certificate with tls.private-key, or tls.keystore");
    }
    for (String p : protocols) {
      if (!DEFAULT_PROTOCOLS.contains(p)) throw new IllegalArgumentException("TLS protocol not allowed: " + p + " (only " + DEFAULT_PROTOCOLS + ")");
    }
    if (protocols.isEmpty()) throw new IllegalArgumentException("tls.protocols must not be empty");
  }

  public static TlsConfig pem(Path certificate, Path privateKey) {
    return new TlsConfig(Optional.of(certificate), Optional.of(privateKey), Optional.empty(), "", DEFAULT_PROTOCOLS);
  }

  public static TlsConfig pkcs12(Path keystore, String password) {
    return new TlsConfig(Optional.empty(), Optional.empty(), Optional.of(keystore), password, DEFAULT_PROTOCOLS);
  }
}
