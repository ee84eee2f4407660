package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.MetricNames;
import io.roomcast.core.Node;
import io.roomcast.core.NodeConfig;
import io.roomcast.core.NodeSecurity;
import io.undertow.Handlers;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP publish API over real sockets: each credential has its rate; above it, 429 with Retry-After, counted. */
class ApiPublishRateIT {
  private static final String KEY_A = "backend-a-key-0123456789";
  private static final String KEY_B = "backend-b-key-0123456789";

  @Test
  void eachCredentialIsLimitedOnItsOwnWith429AndRetryAfter() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AuthConfig auth = AuthConfig.open().withHmacSecret(Tokens.SECRET).withApiKeys(List.of(KEY_A, KEY_B));
    JwtAuthenticator authenticator = new JwtAuthenticator(auth);
    Node node = Node.start(NodeConfig.defaults("rate"), new MemoryBroker(), registry,
        new NodeSecurity(authenticator, io.roomcast.core.PublishRateLimits.defaults(), auth.authenticationTimeout()));
    ApiCredentials credentials = new ApiCredentials(auth, authenticator, registry);
    Undertow http = Undertow.builder().addHttpListener(0, "127.0.0.1")
        .setHandler(Handlers.routing().post("/api/v1/rooms/{room}/messages",
            new PublishHandler(node, credentials, new ApiPublishRate(new ApiPublishRateLimits(1, 3), registry, () -> 0L)))) // time stands still: nothing refills
        .build();
    http.start();
    try {
      int port = ((InetSocketAddress) http.getListenerInfo().get(0).getAddress()).getPort();
      URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/rooms/news/messages");
      HttpClient client = HttpClient.newHttpClient();
      String alice = Tokens.hs256("alice", Duration.ofHours(1), List.of(), List.of("news"));
      String aliceAgain = Tokens.hs256("alice", Duration.ofHours(2), List.of(), List.of("news"));
      String bob = Tokens.hs256("bob", Duration.ofHours(1), List.of(), List.of("news"));

      for (int i = 0; i < 3; i++) assertThat(post(client, uri, KEY_A).statusCode()).isEqualTo(200);
      HttpResponse<String> over = post(client, uri, KEY_A);
      assertThat(over.statusCode()).isEqualTo(429);
      assertThat(over.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(over.body()).contains("\"code\":429");
      assertThat(post(client, uri, KEY_B).statusCode()).as("another API key").isEqualTo(200);

      for (int i = 0; i < 3; i++) assertThat(post(client, uri, alice).statusCode()).isEqualTo(200);
      assertThat(post(client, uri, aliceAgain).statusCode()).as("another token of the same subject shares its rate").isEqualTo(429);
      assertThat(post(client, uri, bob).statusCode()).isEqualTo(200);
      assertThat(registry.counter(MetricNames.HTTP_REJECTED, "code", "429").count()).isEqualTo(2);
    } finally {
      http.stop();
      node.close();
      authenticator.close();
    }
  }

  private static HttpResponse<String> post(HttpClient client, URI uri, String bearer) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + bearer)
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
