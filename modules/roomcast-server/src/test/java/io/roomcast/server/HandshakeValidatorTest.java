package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HandshakeValidatorTest {
  private static Optional<Rejection> check(String... nameValue) {
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < nameValue.length; i += 2) h.put(nameValue[i], nameValue[i + 1]);
    return HandshakeValidator.check(h::get);
  }

  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  @Test
  void aWellFormedHandshakePassesWhateverTheCaseAndTheOtherConnectionTokens() {
    assertThat(check("Upgrade", "WebSocket", "Connection", "keep-alive, Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", KEY)).isEmpty();
  }

  @Test
  void eachBrokenPartHasItsOwnReason() {
    assertThat(check()).contains(Rejection.NOT_WEBSOCKET);
    assertThat(check("Upgrade", "h2c", "Connection", "Upgrade, HTTP2-Settings")).contains(Rejection.NOT_WEBSOCKET);
    assertThat(check("Upgrade", "h2c", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", KEY)).contains(Rejection.BAD_UPGRADE);
    assertThat(check("Upgrade", "websocket", "Connection", "close", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", KEY)).contains(Rejection.BAD_CONNECTION);
    assertThat(check("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key", KEY)).contains(Rejection.BAD_VERSION);
    assertThat(check("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "8", "Sec-WebSocket-Key", KEY)).contains(Rejection.BAD_VERSION);
    assertThat(check("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "c2hvcnQ=")).contains(Rejection.BAD_KEY);
    assertThat(check("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!!!")).contains(Rejection.BAD_KEY);
    assertThat(Rejection.BAD_VERSION.status).isEqualTo(426);
    assertThat(Rejection.BAD_KEY.status).isEqualTo(400);
  }
}
