package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.core.Failures;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Connect;
import io.roomcast.protocol.v1.Refresh;
import io.roomcast.testkit.Inbox;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, gap 1 over real sockets: a refreshed token that no longer grants a room ends its message
 * flow at once, and a token for another user changes nothing, by {@code refresh} as by {@code connect}.
 *
 * <p>No sleeps: a request alice sends after the refresh is answered only once the refresh was carried
 * out (one connection's requests are handled in order). The in-memory broker hands a publication to
 * the node before it acks it, and one connection's rooms share one delivery queue, so a message
 * published to the revoked room before the marker of the kept room would reach alice before the
 * marker if she were still subscribed.
 */
class RightsRevocationIT {
  private static final Duration HOUR = Duration.ofHours(1);

  private static TestNode node() {
    return TestNode.secured(s -> s.withAuth(AuthConfig.open().withHmacSecret(Tokens.SECRET).withClockSkew(Duration.ZERO)));
  }

  private static URI withToken(TestNode node, String token) {
    return URI.create(node.ws() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  private static byte[] refresh(String token) {
    return BinaryFrames.encode(ClientFrame.newBuilder().setId(999_999).setRefresh(Refresh.newBuilder().setToken(token)).build());
  }

  private static byte[] connect(String token) {
    return BinaryFrames.encode(ClientFrame.newBuilder().setId(999_998).setConnect(Connect.newBuilder().setToken(token)).build());
  }

  private static int code(Throwable t) {
    return ((RoomcastException) Failures.cause(t)).code();
  }

  @Test
  void aRefreshThatDropsARoomStopsItsMessagesAtOnce() {
    CompletableFuture<String> left = new CompletableFuture<>(); // the pushed unsubscribed, as the Java client reports it
    try (TestNode node = node();
         RoomcastClient publisher = RoomcastClient.connect(withToken(node, Tokens.hs256("publisher", HOUR, List.of(), List.of("*"))));
         RoomcastClient alice = RoomcastClient.connect(withToken(node,
             Tokens.hs256("alice", HOUR, List.of("kept", "team-7:*"), List.of("kept"))), ClientOptions.defaults(), new ClientEvents() {
               @Override public void onRoomReset(String room, long offset, String epoch) {
                 if (offset == -1) left.complete(room);
               }
             })) {
      Inbox kept = new Inbox();
      Inbox revoked = new Inbox();
      alice.subscribe("kept", kept).join();
      alice.subscribe("team-7:chat", revoked).join();
      publisher.publish("team-7:chat", "before").join();
      revoked.awaitText("before");

      alice.sendRaw(refresh(Tokens.hs256("alice", HOUR, List.of("kept"), List.of("kept")))).join();
      assertThat(left.orTimeout(10, TimeUnit.SECONDS).join()).isEqualTo("team-7:chat");
      alice.publish("kept", "refresh done").join(); // answered after the refresh was carried out
      publisher.publish("team-7:chat", "after the refresh").join();
      publisher.publish("kept", "marker").join();
      kept.awaitText("marker");

      assertThat(revoked.texts()).containsExactly("before");
      assertThat(kept.texts()).containsExactly("refresh done", "marker");
      assertThatThrownBy(() -> alice.subscribe("team-7:other", new Inbox()).join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
    }
  }

  @Test
  void aConnectOrRefreshForAnotherUserChangesNothing() {
    try (TestNode node = node();
         RoomcastClient publisher = RoomcastClient.connect(withToken(node, Tokens.hs256("publisher", HOUR, List.of(), List.of("*"))));
         RoomcastClient alice = RoomcastClient.connect(withToken(node, Tokens.hs256("alice", HOUR, List.of("alice-room"), List.of())))) {
      Inbox inbox = new Inbox();
      alice.subscribe("alice-room", inbox).join();

      String mallory = Tokens.hs256("mallory", HOUR, List.of("mallory-room"), List.of("*"));
      alice.sendRaw(connect(mallory)).join();
      alice.sendRaw(refresh(mallory)).join();

      assertThatThrownBy(() -> alice.publish("alice-room", "as mallory").join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
      assertThatThrownBy(() -> alice.subscribe("mallory-room", new Inbox()).join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
      publisher.publish("alice-room", "still alice's").join();
      inbox.awaitText("still alice's");
      assertThat(node.count(io.roomcast.core.MetricNames.REQUESTS_REJECTED, "request", "connect", "code", "403")).isEqualTo(1);
      assertThat(node.count(io.roomcast.core.MetricNames.REQUESTS_REJECTED, "request", "refresh", "code", "403")).isEqualTo(1);
    }
  }
}
