package io.roomcast.it;

import io.roomcast.testkit.NodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Node processes for the presence tests: tokens required (HS256 with {@link JsonSocket#SECRET}), an API
 * key, and presence times short enough for a test: grace 3 s, members alive 4 s past their node's last
 * refresh, a refresh every second, at most 5 members listed.
 */
final class PresenceCluster implements AutoCloseable {
  static final String API_KEY = "presence-it-api-key-0123456789";
  static final Duration GRACE = Duration.ofSeconds(3);
  static final Duration TTL = Duration.ofSeconds(4);
  static final Duration REFRESH = Duration.ofSeconds(1);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final List<NodeProcess> nodes = new ArrayList<>();

  static PresenceCluster start(String prefix, String redisUri, int count) {
    PresenceCluster c = new PresenceCluster();
    try {
      for (int i = 1; i <= count; i++) c.nodes.add(node(prefix + i, redisUri));
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  private static NodeProcess node(String name, String redisUri) {
    Path log;
    try {
      log = Files.createTempFile("roomcast-" + name + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = new HashMap<>();
    env.put("ROOMCAST_AUTH_HMAC_SECRET", JsonSocket.SECRET);
    env.put("ROOMCAST_AUTH_API_KEYS", API_KEY);
    env.put("ROOMCAST_PRESENCE_GRACE", GRACE.toMillis() + "ms");
    env.put("ROOMCAST_PRESENCE_TTL", TTL.toMillis() + "ms");
    env.put("ROOMCAST_PRESENCE_REFRESH_INTERVAL", REFRESH.toMillis() + "ms");
    env.put("ROOMCAST_PRESENCE_MAX_MEMBERS", "5");
    env.put("ROOMCAST_DRAIN_WINDOW", "1s");
    String jar = System.getProperty("roomcast.jar");
    if (jar == null) throw new IllegalStateException("set the system property roomcast.jar to the node's fat jar");
    return new NodeProcess(name, jar, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        List.of("--redis", redisUri), env, log).start();
  }

  NodeProcess node(int i) {
    return nodes.get(i - 1);
  }

  /** GET {@code path} on {@code node} with {@code credential} (null: none): status and body. */
  static HttpResponse<String> get(NodeProcess node, String path, String credential) {
    HttpRequest.Builder r = HttpRequest.newBuilder(node.http(path)).timeout(Duration.ofSeconds(10));
    if (credential != null) r.header("Authorization", "Bearer " + credential);
    return send(r.build());
  }

  /** POST {@code text} to {@code path} on {@code node} with {@code credential}. */
  static HttpResponse<String> post(NodeProcess node, String path, String credential, String text) {
    HttpRequest.Builder r = HttpRequest.newBuilder(node.http(path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(text));
    if (credential != null) r.header("Authorization", "Bearer " + credential);
    return send(r.build());
  }

  private static HttpResponse<String> send(HttpRequest r) {
    try {
      return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static URI ws(NodeProcess node) {
    return node.ws();
  }

  @Override
  public void close() {
    for (NodeProcess n : nodes) {
      try {
        n.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
