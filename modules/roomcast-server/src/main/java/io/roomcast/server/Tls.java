package io.roomcast.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** The server's SSLContext, from PEM files or a PKCS#12 key store. */
final class Tls {
  private Tls() {}

  static SSLContext context(TlsConfig config) {
    try {
      char[] password = config.keystorePassword().toCharArray();
      KeyStore store = KeyStore.getInstance("PKCS12");
      if (config.keystore().isPresent()) {
        try (InputStream in = Files.newInputStream(config.keystore().get())) {
          store.load(in, password);
        }
      } else {
        store.load(null, null);
        byte[] pem = Files.readAllBytes(config.certificate().get());
        Collection<? extends Certificate> chain =
            CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        if (chain.isEmpty()) throw new IllegalArgumentException("no certificate in " + config.certificate().get());
        PrivateKey key = Keys.privateKey(config.privateKey().get());
        store.setKeyEntry("roomcast", key, password, chain.toArray(Certificate[]::new));
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot load the TLS key and certificate: " + e.getMessage(), e);
    }
  }
}
