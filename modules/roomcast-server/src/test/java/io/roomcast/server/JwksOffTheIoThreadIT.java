package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MemoryBroker;
import io.roomcast.testkit.RawWebSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A token signed with a key the node does not hold yet (a rotation) is refused at once, while the
 * JWKS fetch it asked for is held open by the issuer: the node's only I/O thread keeps serving
 * other clients meanwhile, and a second such token asks for no second fetch. Once the issuer
 * answers, the new key verifies.
 */
class JwksOffTheIoThreadIT {
  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  void anUnknownKeyIsRefusedWhileItsJwksFetchIsHeldAndTheOnlyIoThreadServesOthers() throws Exception {
    KeyPair old = Tokens.rsa();
    KeyPair rotated = Tokens.rsa();
    var claims = Tokens.claims("erin", HOUR, List.of("*"), List.of());
    String oldToken = Tokens.rs256(old, "k1", claims);
    String rotatedToken = Tokens.rs256(rotated, "k2", claims);
    try (HeldJwks issuer = new HeldJwks(jwks(key(old, "k1")))) {
      ServerConfig c = ServerConfig.loopback("jwks");
      ServerConfig config = new ServerConfig(c.host(), c.port(), c.closeTimeout(), c.drainWindow(), c.broker(), c.node(),
          c.security().withAuth(AuthConfig.open().withJwks(issuer.url())), c.demoTicker(), c.deflate(), 1, c.management()); // one I/O thread
      try (RoomcastServer node = RoomcastServer.start(config, new MemoryBroker(), new SimpleMeterRegistry());
           RawWebSocket first = RawWebSocket.connect(node.port(), null)) {
        assertThat(issuer.requests.get()).as("fetched once at start").isEqualTo(1);

        first.write(RawWebSocket.handshake("/ws", "Authorization: Bearer " + rotatedToken));
        SocketChannel held = issuer.awaitHeld(); // the fetch this token asked for, not answered

        try (RawWebSocket other = RawWebSocket.connect(node.port(), null)) {
          assertThat(other.upgrade("Authorization: Bearer " + oldToken)).as("served by the one I/O thread meanwhile").isEqualTo(101);
        }
        assertThat(first.readStatus()).as("the unknown key is refused at once").isEqualTo(401);
        try (RawWebSocket second = RawWebSocket.connect(node.port(), null)) {
          assertThat(second.upgrade("Authorization: Bearer " + rotatedToken)).isEqualTo(401);
        }
        // Had a handshake thread made the fetch, it would have given up (read timeout) before any of
        // the answers above could be written: the fetch is still open, nobody waited for it.
        assertThat(HeldJwks.stillOpen(held)).as("the held fetch is still waiting").isTrue();

        issuer.answer(held, jwks(key(old, "k1"), key(rotated, "k2")));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
          try (RawWebSocket again = RawWebSocket.connect(node.port(), null)) {
            return again.upgrade("Authorization: Bearer " + rotatedToken) == 101;
          }
        });
        assertThat(issuer.requests.get()).as("one fetch at start, one for the new key: the second token asked for none").isEqualTo(2);
      }
    }
  }

  private static RSAKey key(KeyPair pair, String kid) {
    return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID(kid).build();
  }

  private static String jwks(RSAKey... keys) {
    return new JWKSet(List.<com.nimbusds.jose.jwk.JWK>of(keys)).toString();
  }

  /** A JWKS host on loopback: answers the first request at once, holds every later one until {@link #answer}. */
  private static final class HeldJwks implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    private final ServerSocketChannel server;
    private final String first;
    private final BlockingQueue<SocketChannel> held = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    HeldJwks(String first) throws IOException {
      this.first = first;
      server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      acceptor = new Thread(this::accept, "held-jwks");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() throws IOException {
      return "http://127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort() + "/jwks.json";
    }

    private void accept() {
      try {
        while (true) {
          SocketChannel c = server.accept();
          try {
            readHead(c);
          } catch (IOException e) {
            c.close();
            continue;
          }
          if (requests.incrementAndGet() == 1) {
            answer(c, first);
          } else {
            held.add(c);
          }
        }
      } catch (IOException closed) {
        // the test is over
      }
    }

    SocketChannel awaitHeld() throws InterruptedException {
      SocketChannel c = held.poll(10, TimeUnit.SECONDS);
      assertThat(c).as("the node asked for the JWKS again").isNotNull();
      return c;
    }

    void answer(SocketChannel c, String json) throws IOException {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n";
      c.configureBlocking(true);
      c.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
      c.write(ByteBuffer.wrap(body));
      c.close();
    }

    /** Whether the client end of {@code c} is still open: a non-blocking read finds no end of stream. */
    static boolean stillOpen(SocketChannel c) throws IOException {
      c.configureBlocking(false);
      return c.read(ByteBuffer.allocate(1)) == 0;
    }

    private static void readHead(SocketChannel c) throws IOException {
      ByteBuffer one = ByteBuffer.allocate(1);
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        one.clear();
        if (c.read(one) < 0) throw new IOException("closed before the request ended");
        matched = one.get(0) == end[matched] ? matched + 1 : (one.get(0) == '\r' ? 1 : 0);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (SocketChannel c : held) c.close();
    }
  }
}
