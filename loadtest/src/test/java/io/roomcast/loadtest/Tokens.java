package io.roomcast.loadtest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens for the virtual users: the fixed {@code lt.token}, an HS256 JWT signed per user with
 * {@code lt.tokenSecret} (claims {@code sub}, {@code exp} and every room), or none.
 */
final class Tokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Tokens() {}

  /** The token for user {@code sub}, or "" when the cluster needs none. */
  static String forUser(String sub) {
    String fixed = Settings.token();
    if (!fixed.isEmpty()) return fixed;
    String secret = Settings.tokenSecret();
    return secret.isEmpty() ? "" : hs256(secret, sub, Instant.now().plusSeconds(Settings.tokenTtlSeconds()));
  }

  /** {@code ?token=...} for the WebSocket path, or "". */
  static String query(String sub) {
    String t = forUser(sub);
    return t.isEmpty() ? "" : "?token=" + t;
  }

  static String hs256(String secret, String sub, Instant exp) {
    String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    String claims = "{\"sub\":\"" + sub + "\",\"exp\":" + exp.getEpochSecond()
        + ",\"roomcast\":{\"subscribe\":[\"*\"],\"publish\":[\"*\"]}}";
    String signingInput = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
