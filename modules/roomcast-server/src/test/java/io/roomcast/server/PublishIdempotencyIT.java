package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The HTTP publish API's Idempotency-Key: a retry gets the first offset back and stores nothing; a key over 64 bytes is 400. */
class PublishIdempotencyIT {
  @Test
  void aRetryWithTheSameKeyGetsTheSameOffsetAndAnOversizedKeyIs400() throws Exception {
    try (TestNode node = TestNode.start()) {
      HttpResponse<String> first = post(node, "key-1", "hello");
      HttpResponse<String> retry = post(node, "key-1", "hello");
      HttpResponse<String> other = post(node, "key-2", "hello");
      HttpResponse<String> none = post(node, null, "hello");
      HttpResponse<String> tooLong = post(node, "k".repeat(65), "hello");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).contains("\"offset\":\"1\"");
      assertThat(retry.statusCode()).isEqualTo(200);
      assertThat(retry.body()).isEqualTo(first.body());
      assertThat(other.body()).contains("\"offset\":\"2\"");
      assertThat(none.body()).contains("\"offset\":\"3\"");
      assertThat(tooLong.statusCode()).isEqualTo(400);
      assertThat(tooLong.body()).contains("Idempotency-Key").contains("65 bytes").contains("64");
      assertThat(node.get("/api/v1/rooms/news/messages").body()).contains("\"offset\":\"3\"");
    }
  }

  private static HttpResponse<String> post(TestNode node, String key, String text) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.http("/api/v1/rooms/news/messages")).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8));
    if (key != null) b.header("Idempotency-Key", key);
    return node.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
