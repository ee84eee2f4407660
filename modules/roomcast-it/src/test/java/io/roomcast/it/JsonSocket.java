package io.roomcast.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.ServerFrame;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A raw JSON client of the protocol (subprotocol roomcast.v1.json) over a real socket: sends frames,
 * keeps every frame the node sent, and waits for the ones a test expects. Tokens are HS256, signed
 * with {@link #SECRET}.
 */
final class JsonSocket implements WebSocket.Listener, AutoCloseable {
  static final String SECRET = "presence-it-secret-0123456789abcdef";
  static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final List<ServerFrame> frames = new CopyOnWriteArrayList<>();
  private final StringBuilder partial = new StringBuilder();
  private final AtomicInteger ids = new AtomicInteger();
  private WebSocket ws;
  /** The session id of its connected frame. */
  String session;

  /** Connects to {@code node} with {@code token} (null: none) and waits for the connected frame. */
  static JsonSocket connect(URI node, String token) {
    JsonSocket s = new JsonSocket();
    String uri = node.toString() + (token == null ? "" : "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    s.ws = HTTP.newWebSocketBuilder().subprotocols("roomcast.v1.json").buildAsync(URI.create(uri), s).join();
    s.session = s.await("connected", f -> f.hasConnected()).getConnected().getSession();
    return s;
  }

  /** An HS256 token for {@code user} with these grants and {@code info} (null: none), valid for an hour. */
  static String token(String user, List<String> subscribe, List<String> publish, Map<String, Object> info) {
    Map<String, Object> rooms = new java.util.HashMap<>(Map.of("subscribe", subscribe, "publish", publish));
    if (info != null) rooms.put("info", info);
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(user)
        .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).claim("roomcast", rooms).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  static String token(String user, String... subscribe) {
    return token(user, List.of(subscribe), List.of(), null);
  }

  /** Sends {@code frame} with a new id and returns the reply to it. */
  ServerFrame request(ClientFrame.Builder frame) {
    int id = ids.incrementAndGet();
    send(frame.setId(id).build());
    return await("reply to " + id, f -> f.hasId() && f.getId() == id);
  }

  void send(ClientFrame frame) {
    ws.sendText(JsonFrames.print(frame), true).join();
  }

  /** The first frame matching {@code what}, waiting for it. */
  ServerFrame await(String what, Predicate<ServerFrame> match) {
    Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> find(match).isPresent());
    return find(match).orElseThrow();
  }

  Optional<ServerFrame> find(Predicate<ServerFrame> match) {
    return frames.stream().filter(match).findFirst();
  }

  /** "join bob", "leave $n1-3": the joins and leaves of {@code room} so far, in order; an anonymous member by its session. */
  List<String> events(String room) {
    return frames.stream()
        .filter(f -> (f.hasJoin() && f.getJoin().getRoom().equals(room)) || (f.hasLeave() && f.getLeave().getRoom().equals(room)))
        .map(f -> {
          var m = f.hasJoin() ? f.getJoin().getMember() : f.getLeave().getMember();
          return (f.hasJoin() ? "join " : "leave ") + (m.getUser().isEmpty() ? "$" + m.getSession() : m.getUser());
        }).toList();
  }

  /** Waits until {@link #events} holds {@code event}. */
  void awaitEvent(String room, String event) {
    Awaitility.await(event + " in " + room).atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> events(room).contains(event));
  }

  List<String> texts(String room) {
    return frames.stream().filter(f -> f.hasMessage() && f.getMessage().getRoom().equals(room)).map(f -> f.getMessage().getText()).toList();
  }

  /** Drops the TCP connection without a close handshake, as a network failure would. */
  void abort() {
    ws.abort();
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(Long.MAX_VALUE);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    synchronized (partial) {
      partial.append(data);
      if (last) {
        try {
          frames.addAll(JsonFrames.decode(partial.toString(), ServerFrame.getDefaultInstance(), 100_000));
        } catch (MalformedFrameException e) {
          throw new IllegalStateException("undecodable frames from the node: " + partial, e);
        }
        partial.setLength(0);
      }
    }
    return null;
  }

  @Override
  public void close() {
    try {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      ws.abort();
    }
  }

  static CompletableFuture<Void> none() {
    return CompletableFuture.completedFuture(null);
  }
}
