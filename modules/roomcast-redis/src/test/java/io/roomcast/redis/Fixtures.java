package io.roomcast.redis;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** What the Redis broker's tests share: a config with short timeouts, started brokers, room names. */
final class Fixtures {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

  private Fixtures() {}

  /** Short timeouts and a quick breaker, so that outages show within a test's patience. */
  static RedisBrokerConfig config(String uri) {
    return RedisBrokerConfig.defaults(uri)
        .withCommandTimeout(COMMAND_TIMEOUT)
        .withBreaker(new RedisBrokerConfig.Breaker(50, 4, 2, Duration.ofSeconds(1)));
  }

  /**
   * For the broker contract, which is about delivery, not timeouts: a command timeout that 1,000
   * publishes queued at once on one connection meet on a loaded 2-core machine (each publish script
   * also reads INFO now, docs/redis.md), so that slowness is not mistaken for a lost message.
   */
  static RedisBrokerConfig contractConfig(String uri) {
    return config(uri).withCommandTimeout(Duration.ofSeconds(3));
  }

  static Broker broker(String uri, Recorder recorder) {
    Broker broker = RedisBrokers.create(config(uri), new SimpleMeterRegistry());
    broker.start(recorder);
    return broker;
  }

  /** The pattern matching every key (and the channel) of {@code room} with the default prefix. */
  static String keysOf(String room) {
    return "roomcast:{" + room + "}*";
  }

  /** A KEYS reply as names. */
  static List<String> names(Object keysReply) {
    return ((List<?>) keysReply).stream().map(k -> k instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : k.toString()).toList();
  }

  static String room(String name) {
    return name + "-" + Long.toString(System.nanoTime(), 36);
  }

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  /** The offset the stream of {@code epoch} starts at, as its history says (1 for a stream made anew). */
  static long firstOffsetOf(Broker broker, String room, String epoch) {
    // right after an outage the broker's breaker may still be open: read once it lets calls through
    List<List<Publication>> first = new java.util.ArrayList<>();
    await("the history of " + room).atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
        first.add(join(broker.history(room, new io.roomcast.core.StreamPosition(0, epoch), 1)).publications()));
    return first.get(0).isEmpty() ? -1 : first.get(0).get(0).offset();
  }

  /** Publishes {@code text} again and again until one of them is delivered; for the moments right after an outage. */
  static Publication publishUntilDelivered(Broker broker, Recorder recorder, String room, String text) {
    int[] attempt = {0};
    await("a publish to " + room + " delivered again").atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
      String marker = text + "#" + (++attempt[0]);
      try {
        join(broker.publish(room, Payload.text(marker)));
      } catch (RuntimeException notYet) {
        return false;
      }
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .ignoreExceptions().until(() -> recorder.texts(room).contains(marker));
      return true;
    });
    return recorder.of(room).stream().filter(p -> p.payload().asText().startsWith(text + "#")).reduce((a, b) -> b).orElseThrow();
  }
}
