package io.roomcast.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokensTest {
  @Test
  void anHs256TokenCarriesSubExpAndEveryRoomAndVerifiesWithTheSecret() throws Exception {
    String token = Tokens.hs256("a-secret-of-at-least-32-bytes-long!", "lt-7", Instant.ofEpochSecond(1_900_000_000L));
    String[] parts = token.split("\\.");
    assertThat(parts).hasSize(3);
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(claims).contains("\"sub\":\"lt-7\"", "\"exp\":1900000000", "\"subscribe\":[\"*\"]", "\"publish\":[\"*\"]");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("a-secret-of-at-least-32-bytes-long!".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(Base64.getUrlDecoder().decode(parts[2])).isEqualTo(expected);
  }
}
