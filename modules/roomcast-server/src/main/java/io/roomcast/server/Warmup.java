package io.roomcast.server;

import io.roomcast.core.Node;
import io.roomcast.core.Payload;
import io.roomcast.core.Principal;
import io.roomcast.core.RoomPermissions;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Publish;
import io.roomcast.protocol.v1.Subscribe;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm before ready: a fresh node drives its own hot paths with synthetic traffic over its own port
 * (handshakes, sessions, subscribe, publishes through the broker and back, the shards' fan-out, the
 * codecs of both wire formats, the lean writes) before {@code /readyz} turns 200, so the JIT has
 * compiled them before real clients arrive. Its connections carry a per-process secret header,
 * which gives them a principal limited to one room of this process's own, {@code roomcast.warmup.<random>}
 * (other nodes have no member in it, so none of them receives this traffic), so it works on nodes that
 * require tokens too. With Redis the room keeps a short history like any room.
 */
final class Warmup {
  private static final Logger log = LoggerFactory.getLogger(Warmup.class);
  static final String HEADER = "X-Roomcast-Warmup";
  private static final String ROOM_PREFIX = "roomcast.warmup.";
  private static final int SUBSCRIBERS = 16;
  /** Rounds run whatever the budget (each: 50 publications to every subscriber, paced socket publishes). */
  private static final int MIN_ROUNDS = 20;
  /** Publications through the broker awaiting their answer: enough to keep Redis busy, few enough that a cold node's replies never queue up to its command timeout (256 did: timeouts opened the circuit breaker). */
  private static final int IN_FLIGHT = 32;
  /** Publications sent and not yet received back from the broker (see {@link #awaitRoom}). */
  private static final int UNRECEIVED = 64;
  /** Each warm-up socket publishes at this share of {@code publish-rate.per-second}, so that none is refused. */
  private static final double SHARE_OF_PUBLISH_RATE = 0.8;

  /** Proves a handshake is this process's own warm-up; random per process, never logged. */
  private final String secret;
  /** This process's warm-up room. */
  private final String room;
  private final Principal principal;
  private final Duration budget;

  /** @param budget how long the synthetic traffic may run at most (zero: no warm-up); it ends sooner once the JIT is quiet */
  Warmup(Duration budget) {
    this.budget = budget;
    SecureRandom random = new SecureRandom();
    byte[] b = new byte[16];
    random.nextBytes(b);
    this.secret = HexFormat.of().formatHex(b);
    byte[] r = new byte[4];
    random.nextBytes(r);
    this.room = ROOM_PREFIX + HexFormat.of().formatHex(r);
    this.principal = new Principal("roomcast-warmup", new RoomPermissions(List.of(room), List.of(room)), Optional.empty());
  }

  /** From {@code -Droomcast.warmup=<seconds>} (default 0: none; the deploy files turn it on). */
  static Warmup fromSystemProperty() {
    String s = System.getProperty("roomcast.warmup", "0").trim();
    return new Warmup(Duration.ofMillis((long) (Double.parseDouble(s.replaceAll("s$", "")) * 1000)));
  }

  boolean enabled() {
    return !budget.isZero();
  }

  /** The warm-up's principal when the handshake is one of its own; else null. */
  Principal principalOf(WebSocketHttpExchange exchange) {
    if (!enabled()) return null;
    String presented = exchange.getRequestHeader(HEADER);
    if (presented == null) return null;
    return MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), secret.getBytes(StandardCharsets.US_ASCII))
        ? principal : null;
  }

  /**
   * Runs the synthetic traffic against {@code port} for the budget; never throws (a cold node is still a node).
   *
   * @param publishesPerSecond the node's per-connection publish rate ({@code publish-rate.per-second})
   * @param received the node's count of publications received from the broker ({@code roomcast.messages.received})
   */
  void run(Node node, int port, int publishesPerSecond, LongSupplier received) {
    if (!enabled()) return;
    long start = System.nanoTime();
    long end = start + budget.toNanos();
    long hardEnd = start + 3 * budget.toNanos(); // a starved machine still gets a ready node soon
    List<Socket> sockets = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    JitQuiet jit = new JitQuiet(start);
    long published = 0;
    long sentOverSockets = 0;
    int round = 0;
    long receivedBefore = received.getAsLong();
    // A socket write blocks while the node reads nothing from it: past the hard end the sockets are closed,
    // which ends the write (and the warm-up) with an exception instead of a node that never turns ready.
    CompletableFuture.delayedExecutor(hardEnd - start + TimeUnit.SECONDS.toNanos(2), TimeUnit.NANOSECONDS)
        .execute(() -> closeAll(sockets));
    try {
      for (int i = 0; i < SUBSCRIBERS; i++) {
        WireFormat format = formatOf(i);
        Socket s = open(port, format);
        synchronized (sockets) {
          sockets.add(s);
        }
        send(s, format, ClientFrame.newBuilder().setId(1).setSubscribe(Subscribe.newBuilder().setRoom(room)).build());
        Thread t = new Thread(() -> drain(s), "roomcast-warmup-reader-" + i);
        t.setDaemon(true);
        t.start();
        readers.add(t);
      }
      byte[] payload = new byte[100];
      long socketsOpen = System.nanoTime(); // each socket's publish budget starts when it exists
      // Until the budget is spent or the JIT has compiled what this traffic runs, whichever comes first.
      while (System.nanoTime() < hardEnd && (round < MIN_ROUNDS || (System.nanoTime() < end && !jit.quiet(System.nanoTime())))) {
        // Publications through the broker, pipelined (the JIT compiles what runs thousands of times, and a
        // publication per Redis round trip would reach only a few hundred), each fanned out to every subscriber.
        for (int k = 0; k < 50; k++) {
          ThreadLocalRandom.current().nextBytes(payload);
          if (!awaitRoom(published + sentOverSockets, received, receivedBefore, hardEnd)) break;
          inFlight.acquire();
          node.publish(principal, room, k % 2 == 0 ? Payload.binary(payload.clone()) : Payload.text("warm-up " + k))
              .whenComplete((ack, e) -> inFlight.release());
          published++;
        }
        // Publishes over the sockets (the inbound path: frame reading, decoding, the rate limit, the ack), kept
        // under the per-connection publish rate so that none is refused.
        double seconds = (System.nanoTime() - socketsOpen) / 1e9;
        while (sentOverSockets < SHARE_OF_PUBLISH_RATE * publishesPerSecond * SUBSCRIBERS * seconds
            && awaitRoom(published + sentOverSockets, received, receivedBefore, hardEnd)) {
          int i = (int) (sentOverSockets % SUBSCRIBERS);
          send(sockets.get(i), formatOf(i), ClientFrame.newBuilder().setId(2 + (int) sentOverSockets)
              .setPublish(Publish.newBuilder().setRoom(room).setText("warm-up")).build());
          sentOverSockets++;
        }
        if (round % 10 == 0) open(port, WireFormat.PROTO).close(); // the handshake path
        round++;
      }
      // the last publications' answers, within the hard end (and a second's grace: they are already on their way)
      long answerWait = Math.max(0, hardEnd - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1);
      if (!inFlight.tryAcquire(IN_FLIGHT, answerWait, TimeUnit.NANOSECONDS)) log.warn("warm-up: publications still unanswered at its end");
    } catch (IOException | RuntimeException e) {
      log.warn("warm-up stopped early: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeAll(sockets);
      for (Thread t : readers) {
        try {
          t.join(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    log.info("warmed up in {} ms ({} ms of JIT compilation so far): {} publications through the broker and {} over {} connections",
        (System.nanoTime() - start) / 1_000_000, jit.compiledMillis(), published, sentOverSockets, SUBSCRIBERS);
  }

  /**
   * Waits until fewer than {@value #UNRECEIVED} of the {@code sent} publications are still on their way
   * back from the broker: a cold node decodes its pub/sub stream slowly, and a warm-up that outruns it
   * piles up a backlog behind which the node's own Redis replies time out (the circuit breaker opened,
   * and the node never turned ready). False at the hard end.
   */
  private static boolean awaitRoom(long sent, LongSupplier received, long receivedBefore, long hardEnd) {
    while (sent - (received.getAsLong() - receivedBefore) >= UNRECEIVED) {
      if (System.nanoTime() >= hardEnd) return false;
      LockSupport.parkNanos(100_000); // a tenth of a millisecond: a cold node receives a publication in about that
    }
    return true;
  }

  private static void closeAll(List<Socket> sockets) {
    synchronized (sockets) {
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  private static WireFormat formatOf(int socket) {
    return socket % 4 == 3 ? WireFormat.JSON : WireFormat.PROTO;
  }

  private Socket open(int port, WireFormat format) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
    s.setSoTimeout(5_000);
    s.setTcpNoDelay(true);
    String handshake = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: "
        + format.subprotocol() + "\r\n" + HEADER + ": " + secret + "\r\n\r\n";
    s.getOutputStream().write(handshake.getBytes(StandardCharsets.ISO_8859_1));
    InputStream in = s.getInputStream();
    int matched = 0;
    while (matched < 4) { // the response head, up to its blank line
      int b = in.read();
      if (b < 0) throw new IOException("the node closed a warm-up handshake");
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return s;
  }

  /** One client frame as a masked WebSocket message. */
  private static void send(Socket s, WireFormat format, ClientFrame frame) throws IOException {
    byte[] payload = format.binary() ? BinaryFrames.encode(frame) : JsonFrames.encode(frame);
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write(0x80 | (format.binary() ? 0x2 : 0x1));
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else {
      f.write(0x80 | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    f.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) f.write(payload[i] ^ mask[i % 4]);
    OutputStream out = s.getOutputStream();
    synchronized (s) {
      out.write(f.toByteArray());
    }
  }

  /** Reads and drops whatever the node sends, until the socket closes. */
  private static void drain(Socket s) {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = s.getInputStream();
      while (in.read(buf) >= 0) {
        // dropped: the point is the node's work
      }
    } catch (IOException closed) {
      // the warm-up is over
    }
  }
}
