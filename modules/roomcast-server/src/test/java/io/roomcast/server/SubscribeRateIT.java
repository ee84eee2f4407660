package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.core.Failures;
import io.roomcast.core.MetricNames;
import io.roomcast.core.SubscribeRateLimits;
import io.roomcast.testkit.Inbox;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, gap 6 over real sockets: subscribes are rate-limited per connection, like publishes.
 * The node's clock is real here, so the test pipelines its subscribes: all five reach the node in
 * one burst, far inside the one second that refills one subscribe. The deterministic, clock-stepped
 * version (refill, 4029 after persisting) is {@code AuthorizationTest} in the core.
 */
class SubscribeRateIT {
  @Test
  void subscribesBeyondTheBurstGet429AndOtherConnectionsAreUnaffected() {
    try (TestNode node = TestNode.secured(s -> s.withSubscribeRate(new SubscribeRateLimits(1, 1)));
         RoomcastClient eager = RoomcastClient.connect(node.ws());
         RoomcastClient other = RoomcastClient.connect(node.ws())) {
      List<CompletableFuture<?>> subscribes = new ArrayList<>();
      for (int i = 0; i < 5; i++) subscribes.add(eager.subscribe("room-" + i, new Inbox()));
      List<Integer> outcomes = new ArrayList<>();
      for (CompletableFuture<?> f : subscribes) {
        outcomes.add(f.handle((v, e) -> e == null ? 200 : ((RoomcastException) Failures.cause(e)).code()).join());
      }
      assertThat(outcomes.get(0)).as("the burst's one subscribe").isEqualTo(200);
      assertThat(outcomes.subList(1, 5)).as("the rest of the burst, in well under a second").containsOnly(429);
      other.subscribe("room-0", new Inbox()).join(); // another connection has its own budget
      assertThat(node.count(MetricNames.REQUESTS_REJECTED, "request", "subscribe", "code", "429")).isEqualTo(4.0);
    }
  }
}
