package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.Curve;
import com.sun.net.httpserver.HttpServer;
import io.roomcast.client.ClosedBy;
import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.core.Failures;
import io.roomcast.core.MetricNames;
import io.roomcast.core.RoomPermissions;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Connect;
import io.roomcast.testkit.Inbox;
import io.roomcast.testkit.RawWebSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens over real sockets: in the header, the query or a connect frame; HS256, RS256, ES256; expiry; the HTTP API's credentials. */
class AuthIT {
  private static final Duration HOUR = Duration.ofHours(1);
  private static final String API_KEY = "backend-api-key-0123456789";

  @TempDir Path dir;

  private static TestNode hs256Node() {
    return TestNode.secured(s -> s.withAuth(AuthConfig.open().withHmacSecret(Tokens.SECRET).withClockSkew(Duration.ZERO)
        .withApiKeys(List.of(API_KEY))));
  }

  private static URI withToken(TestNode node, String token) {
    return URI.create(node.ws() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  private static int code(Throwable t) {
    return ((RoomcastException) Failures.cause(t)).code();
  }

  @Test
  void aTokenInTheQueryGrantsItsRoomsAndNothingElse() {
    try (TestNode node = hs256Node();
         RoomcastClient alice = RoomcastClient.connect(withToken(node, Tokens.hs256("alice", HOUR, List.of("team-7:*"), List.of("team-7:chat"))))) {
      Inbox inbox = new Inbox();
      alice.subscribe("team-7:chat", inbox).join();
      alice.publish("team-7:chat", "hello team").join();
      inbox.awaitText("hello team");

      assertThatThrownBy(() -> alice.subscribe("team-8:chat", new Inbox()).join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
      assertThatThrownBy(() -> alice.publish("team-7:news", "not mine").join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
      assertThat(node.count(MetricNames.REQUESTS_REJECTED, "code", "403")).isEqualTo(2);
      alice.publish("team-7:chat", "still connected").join();
      inbox.awaitText("still connected");
    }
  }

  @Test
  void aTokenInTheAuthorizationHeaderUpgradesAndABadOneGets401BeforeTheUpgrade() throws Exception {
    try (TestNode node = hs256Node();
         RawWebSocket good = RawWebSocket.connect(node.port(), null);
         RawWebSocket forged = RawWebSocket.connect(node.port(), null);
         RawWebSocket expired = RawWebSocket.connect(node.port(), null)) {
      String token = Tokens.hs256("alice", HOUR, List.of("*"), List.of());
      String other = Tokens.hs256("mallory", HOUR, List.of("*"), List.of("*"));
      String forgedToken = token.substring(0, token.lastIndexOf('.')) + other.substring(other.lastIndexOf('.')); // mallory's signature

      assertThat(good.upgrade("Authorization: Bearer " + token)).isEqualTo(101);
      assertThat(forged.upgrade("Authorization: Bearer " + forgedToken)).isEqualTo(401);
      assertThat(expired.upgrade("Authorization: Bearer " + Tokens.hs256("alice", Duration.ofSeconds(-5), List.of("*"), List.of()))).isEqualTo(401);
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "token_invalid")).isEqualTo(2);
    }
  }

  @Test
  void withoutATokenEveryRequestGets401UntilAConnectFrameBringsOne() {
    try (TestNode node = hs256Node(); RoomcastClient c = RoomcastClient.connect(node.ws())) {
      assertThatThrownBy(() -> c.subscribe("lobby", new Inbox()).join()).satisfies(e -> assertThat(code(e)).isEqualTo(401));

      String token = Tokens.hs256("bob", HOUR, List.of("lobby"), List.of("lobby"));
      c.sendRaw(BinaryFrames.encode(ClientFrame.newBuilder().setId(999_999)
          .setConnect(Connect.newBuilder().setToken(token)).build())).join();

      Inbox inbox = new Inbox();
      c.subscribe("lobby", inbox).join();
      c.publish("lobby", "authenticated late").join();
      inbox.awaitText("authenticated late");
    }
  }

  @Test
  void anExpiredTokenClosesWith4001WhileOthersKeepReceiving() throws Exception {
    try (TestNode node = hs256Node();
         Bystander bystander = Bystander.on(withToken(node, Tokens.hs256("bystander", HOUR, List.of("*"), List.of("*"))));
         RoomcastClient shortLived = RoomcastClient.connect(withToken(node, Tokens.hs256("alice", Duration.ofSeconds(2), List.of("*"), List.of())))) {
      shortLived.subscribe("pulse", new Inbox()).join();

      ClosedBy closed = shortLived.closed().orTimeout(10, TimeUnit.SECONDS).join();

      assertThat(closed.code()).isEqualTo(4001);
      assertThat(closed.reason()).isEqualTo("token expired");
      assertThat(closed.reconnectAdvised()).isTrue();
      assertThat(node.count(MetricNames.CONNECTIONS_CLOSED_EXPIRED)).isEqualTo(1);
      bystander.assertKeptReceiving();
    }
  }

  @Test
  void anonymousClientsGetOnlyTheAnonymousRoomsWhenTheDeploymentAllowsThem() {
    try (TestNode node = TestNode.secured(s -> s.withAuth(AuthConfig.open().withHmacSecret(Tokens.SECRET)
        .withAnonymous(new RoomPermissions(List.of("public:*"), List.of()))));
         RoomcastClient guest = RoomcastClient.connect(node.ws())) {
      guest.subscribe("public:news", new Inbox()).join();
      assertThatThrownBy(() -> guest.subscribe("private", new Inbox()).join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
      assertThatThrownBy(() -> guest.publish("public:news", "spam").join()).satisfies(e -> assertThat(code(e)).isEqualTo(403));
    }
  }

  @Test
  void rs256FromAPemFileAndEs256FromAJwksFileBothVerify() throws Exception {
    KeyPair rsa = Tokens.rsa();
    KeyPair ec = Tokens.ec();
    Path pem = Tokens.pem(dir, "rsa.pem", rsa.getPublic());
    Path jwks = Files.writeString(dir.resolve("jwks.json"), new JWKSet(new ECKey.Builder(Curve.P_256, (ECPublicKey) ec.getPublic())
        .keyID("ec-1").build()).toString());
    try (TestNode node = TestNode.secured(s -> s.withAuth(AuthConfig.open().withPublicKeys(List.of(pem)).withJwks(jwks.toString())))) {
      var claims = Tokens.claims("carol", HOUR, List.of("r"), List.of("r"));
      try (RoomcastClient viaRsa = RoomcastClient.connect(withToken(node, Tokens.rs256(rsa, null, claims)));
           RoomcastClient viaEc = RoomcastClient.connect(withToken(node, Tokens.es256(ec, "ec-1", claims)))) {
        Inbox inbox = new Inbox();
        viaRsa.subscribe("r", inbox).join();
        viaEc.publish("r", "signed with P-256").join();
        inbox.awaitText("signed with P-256");
      }
      try (RawWebSocket stranger = RawWebSocket.connect(node.port(), null)) {
        assertThat(stranger.upgrade("Authorization: Bearer " + Tokens.rs256(Tokens.rsa(), null, claims))).isEqualTo(401);
      }
    }
  }

  @Test
  void unsignedTokensAndTokensSignedWithThePublicKeyAsAnHmacSecretAreRefused() throws Exception {
    KeyPair rsa = Tokens.rsa();
    Path pem = Tokens.pem(dir, "rsa.pem", rsa.getPublic());
    try (TestNode node = TestNode.secured(s -> s.withAuth(AuthConfig.open().withPublicKeys(List.of(pem))))) {
      var claims = Tokens.claims("mallory", HOUR, List.of("*"), List.of("*"));
      String unsigned = new com.nimbusds.jwt.PlainJWT(claims).serialize(); // "alg":"none"
      String confused = Tokens.sign(new com.nimbusds.jose.crypto.MACSigner(Files.readAllBytes(pem)),
          com.nimbusds.jose.JWSAlgorithm.HS256, null, claims); // the public key, known to all, as an HMAC secret
      String genuine = Tokens.rs256(rsa, null, claims);

      for (String forged : List.of(unsigned, confused)) {
        try (RawWebSocket raw = RawWebSocket.connect(node.port(), null)) {
          assertThat(raw.upgrade("Authorization: Bearer " + forged)).isEqualTo(401);
        }
      }
      try (RawWebSocket raw = RawWebSocket.connect(node.port(), null)) {
        assertThat(raw.upgrade("Authorization: Bearer " + genuine)).isEqualTo(101);
      }
      assertThat(node.count(MetricNames.HANDSHAKES_REJECTED, "reason", "token_invalid")).isEqualTo(2);
    }
  }

  @Test
  void aJwksUrlIsFetchedOnceAndCached() throws Exception {
    KeyPair rsa = Tokens.rsa();
    String doc = new JWKSet(new RSAKey.Builder((RSAPublicKey) rsa.getPublic()).keyID("rsa-1").build()).toString();
    AtomicInteger fetches = new AtomicInteger();
    HttpServer issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer.createContext("/jwks.json", ex -> {
      fetches.incrementAndGet();
      byte[] body = doc.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    issuer.start();
    String url = "http://127.0.0.1:" + issuer.getAddress().getPort() + "/jwks.json";
    try (TestNode node = TestNode.secured(s -> s.withAuth(AuthConfig.open().withJwks(url)))) {
      var claims = Tokens.claims("dave", HOUR, List.of("*"), List.of());
      for (int i = 0; i < 3; i++) {
        try (RawWebSocket raw = RawWebSocket.connect(node.port(), null)) {
          assertThat(raw.upgrade("Authorization: Bearer " + Tokens.rs256(rsa, "rsa-1", claims))).isEqualTo(101);
        }
      }
      assertThat(fetches.get()).isEqualTo(1);
    } finally {
      issuer.stop(0);
    }
  }

  @Test
  void theHttpApiWantsAnApiKeyOrATokenWithPublishRights() throws Exception {
    try (TestNode node = hs256Node(); RoomcastClient reader = RoomcastClient.connect(
        withToken(node, Tokens.hs256("reader", HOUR, List.of("*"), List.of())))) {
      Inbox inbox = new Inbox();
      reader.subscribe("news", inbox).join();
      HttpClient http = HttpClient.newHttpClient();
      URI uri = node.http("/api/v1/rooms/news/messages");

      HttpResponse<String> none = http.send(post(uri, null), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> garbage = http.send(post(uri, "not-a-key"), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> key = http.send(post(uri, API_KEY), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> writer = http.send(post(uri, Tokens.hs256("writer", HOUR, List.of(), List.of("news"))), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> wrongRoom = http.send(post(uri, Tokens.hs256("writer", HOUR, List.of(), List.of("sports"))), HttpResponse.BodyHandlers.ofString());

      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(garbage.statusCode()).isEqualTo(401);
      assertThat(key.statusCode()).isEqualTo(200);
      assertThat(writer.statusCode()).isEqualTo(200);
      assertThat(wrongRoom.statusCode()).isEqualTo(403);
      assertThat(wrongRoom.body()).contains("\"code\":403");
      assertThat(node.count(MetricNames.HTTP_REJECTED, "code", "401")).isEqualTo(2);
      await(inbox, 2);
    }
  }

  private static void await(Inbox inbox, int n) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inbox.messages.size() >= n);
    assertThat(inbox.messages).hasSize(n);
  }

  private static HttpRequest post(URI uri, String bearer) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("breaking"));
    if (bearer != null) b.header("Authorization", "Bearer " + bearer);
    return b.build();
  }
}
