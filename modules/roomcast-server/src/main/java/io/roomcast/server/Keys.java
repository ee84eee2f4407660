package io.roomcast.server;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reads keys from PEM files with the JDK alone (no BouncyCastle): public keys for tokens, private keys for TLS. */
final class Keys {
  private Keys() {}

  /** The verification keys of {@code config}: the HS256 secret and the PEM public keys. */
  static List<JWK> load(AuthConfig config) {
    List<JWK> keys = new ArrayList<>();
    config.hmacSecret().ifPresent(s -> keys.add(new OctetSequenceKey.Builder(s.getBytes(StandardCharsets.UTF_8)).build()));
    for (Path p : config.publicKeys()) keys.add(publicJwk(p));
    return keys;
  }

  private static JWK publicJwk(Path pem) {
    PublicKey key = publicKey(pem);
    if (key instanceof RSAPublicKey rsa) return new RSAKey.Builder(rsa).build();
    ECPublicKey ec = (ECPublicKey) key;
    Curve curve = Curve.forECParameterSpec(ec.getParams());
    if (!Curve.P_256.equals(curve)) throw new IllegalArgumentException("EC key in " + pem + " is not on P-256 (ES256)");
    return new ECKey.Builder(curve, ec).build();
  }

  /** An X.509 {@code BEGIN PUBLIC KEY} of RSA or EC. */
  static PublicKey publicKey(Path pem) {
    byte[] der = der(pem, "PUBLIC KEY");
    for (String alg : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("not an RSA or EC public key: " + pem);
  }

  /** An unencrypted PKCS#8 {@code BEGIN PRIVATE KEY} of RSA or EC. */
  static PrivateKey privateKey(Path pem) {
    byte[] der = der(pem, "PRIVATE KEY");
    for (String alg : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("not an RSA or EC PKCS#8 private key: " + pem);
  }

  /** The DER bytes of the first {@code -----BEGIN type-----} block of a PEM file. */
  static byte[] der(Path pem, String type) {
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + pem + ": " + e.getMessage(), e);
    }
    String begin = "-----BEGIN " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf("-----END " + type + "-----");
    if (from < 0 || to < from) {
      throw new IllegalArgumentException(pem + " holds no '" + begin + "' block"
          + (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
              ? " (convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt)" : ""));
    }
    return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
  }
}
