package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.MetricNames;
import io.roomcast.testkit.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Warm before ready: the node drives its own hot paths before /readyz answers 200, then leaves no trace of it. */
class WarmupIT {
  @Test
  void aWarmingNodeIsNotReadyThenReadyHavingDeliveredItsOwnTraffic() throws Exception {
    int port = FreePorts.next();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ServerConfig config = ServerConfig.loopback("warm").withPort(port);
    CompletableFuture<RoomcastServer> started = CompletableFuture.supplyAsync(
        () -> RoomcastServer.start(config, new MemoryBroker(), registry, new Warmup(Duration.ofMillis(1500))));
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build();
    List<Integer> answers = Collections.synchronizedList(new ArrayList<>());
    while (!started.isDone()) {
      try {
        answers.add(http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode());
      } catch (java.io.IOException notListeningYet) {
        // the port opens a moment after the node starts
      }
    }
    try (RoomcastServer server = started.join()) {
      // The port opens after the node marked itself warming: the first answer is 503, and 200 only once warm.
      assertThat(answers).as("/readyz while starting").isNotEmpty().startsWith(503);
      assertThat(http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
      double delivered = registry.find(MetricNames.MESSAGES_DELIVERED).counter().count();
      assertThat(delivered).as("messages the warm-up delivered").isGreaterThan(1000);
      // the inbound path ran too (publishes over its sockets), paced so that the rate limit refused none of them
      assertThat(registry.find(MetricNames.MESSAGES_PUBLISHED).tag("via", "websocket").counter().count())
          .as("publishes over the warm-up's sockets").isGreaterThan(100);
      assertThat(registry.find(MetricNames.REQUESTS_REJECTED).counters())
          .as("requests refused").allSatisfy(c -> assertThat(c.count()).as(c.getId().toString()).isZero());
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.node().sessionCount() == 0);
    }
  }
}
