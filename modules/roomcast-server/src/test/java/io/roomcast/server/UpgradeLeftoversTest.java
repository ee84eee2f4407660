package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The handshake's leftovers are found in this Undertow: an upgrade that renamed them would silently keep ~2 KB per connection. */
class UpgradeLeftoversTest {
  @Test
  void findsTheExchangeAndTheParserStateItEmpties() {
    assertThat(UpgradeLeftovers.finds()).isTrue();
  }
}
