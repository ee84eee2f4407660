package io.roomcast.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Signs test tokens the way an issuer would: keys are made at test time, never committed. */
final class Tokens {
  static final String SECRET = "a-test-secret-of-at-least-32-bytes-0123456789";

  private Tokens() {}

  static String hs256(String user, Duration ttl, List<String> subscribe, List<String> publish) {
    return sign(macSigner(), JWSAlgorithm.HS256, null,
        claims(user, ttl, subscribe, publish));
  }

  private static MACSigner macSigner() {
    try {
      return new MACSigner(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static JWTClaimsSet claims(String user, Duration ttl, List<String> subscribe, List<String> publish) {
    return new JWTClaimsSet.Builder().subject(user).expirationTime(Date.from(Instant.now().plus(ttl)))
        .claim(JwtAuthenticator.ROOMS_CLAIM, Map.of("subscribe", subscribe, "publish", publish)).build();
  }

  static String sign(JWSSigner signer, JWSAlgorithm alg, String keyId, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(keyId).build(), claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String rs256(KeyPair rsa, String keyId, JWTClaimsSet claims) {
    return sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, keyId, claims);
  }

  static String es256(KeyPair ec, String keyId, JWTClaimsSet claims) {
    try {
      return sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256, keyId, claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  /** Writes {@code key} as a PEM {@code PUBLIC KEY} file. */
  static Path pem(Path dir, String name, PublicKey key) throws IOException {
    String b64 = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded());
    return Files.writeString(dir.resolve(name), "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n");
  }
}
