package io.roomcast.it;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.client.ClientEvents;
import io.roomcast.client.ClientOptions;
import io.roomcast.client.RoomcastClient;
import io.roomcast.client.RoomcastException;
import io.roomcast.core.Broker;
import io.roomcast.core.Payload;
import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.redis.RedisBrokers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One door into the rooms for the chaos traffic: publishes a message whose payload is its id, with
 * the id as idempotency key, and says whether a failure is worth retrying. Three doors: a node's
 * WebSocket through the load balancer, the HTTP API through the load balancer, and the publish script
 * straight into Redis (what {@code RedisPublisher} runs).
 */
interface ChaosPublisher extends AutoCloseable {
  /** Where the message was stored; {@code epoch} is null when the door answers with the offset only. */
  record Stored(long offset, String epoch) {}

  /** A name for reports: "ws", "http", "redis". */
  String via();

  CompletableFuture<Stored> publish(String room, String id);

  /** Whether retrying may help: the failure was a passing one (unavailable, timeout, connection lost). */
  boolean passing(Throwable failure);

  @Override
  void close();

  /** A Java client connected through the load balancer, reconnecting like any application's. */
  static ChaosPublisher webSocket(URI ws, HttpClient http) {
    RoomcastClient client = RoomcastClient.connect(ws,
        ClientOptions.defaults().withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)), new ClientEvents() {}, http);
    return new ChaosPublisher() {
      @Override public String via() {
        return "ws";
      }

      @Override public CompletableFuture<Stored> publish(String room, String id) {
        return client.publish(room, id, id).thenApply(offset -> new Stored(offset, null)); // the client retries passing failures with the key too
      }

      @Override public boolean passing(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (!(cause instanceof RoomcastException e)) return true;
        int code = e.code();
        return !(code == 400 || code == 401 || code == 403 || code == 404 || code == 409 || code == 413);
      }

      @Override public void close() {
        client.close();
      }
    };
  }

  /** {@code POST /api/v1/rooms/{room}/messages} through the load balancer, with an {@code Idempotency-Key} header. */
  static ChaosPublisher http(LoadBalancer lb, HttpClient http) {
    Pattern offset = Pattern.compile("\"offset\"\\s*:\\s*\"?(\\d+)\"?");
    Pattern epoch = Pattern.compile("\"epoch\"\\s*:\\s*\"([^\"]*)\"");
    return new ChaosPublisher() {
      @Override public String via() {
        return "http";
      }

      @Override public CompletableFuture<Stored> publish(String room, String id) {
        HttpRequest request = HttpRequest.newBuilder(lb.http("/api/v1/rooms/" + room + "/messages"))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "text/plain")
            .header("Idempotency-Key", id)
            .POST(HttpRequest.BodyPublishers.ofString(id)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
          if (response.statusCode() != 200) throw new HttpStatus(response.statusCode(), response.body());
          Matcher o = offset.matcher(response.body());
          Matcher e = epoch.matcher(response.body());
          if (!o.find()) throw new IllegalStateException("no offset in " + response.body());
          return new Stored(Long.parseLong(o.group(1)), e.find() ? e.group(1) : null);
        });
      }

      @Override public boolean passing(Throwable failure) {
        Throwable cause = unwrap(failure);
        return !(cause instanceof HttpStatus s) || s.status >= 500 || s.status == 408 || s.status == 429;
      }

      @Override public void close() {
      }
    };
  }

  /** The publish script through the Redis broker a backend would use ({@code RedisPublisher}'s), with the key. */
  static ChaosPublisher redis(RedisBrokerConfig config) {
    Broker broker = RedisBrokers.create(config, new SimpleMeterRegistry());
    broker.start(p -> { });
    return new ChaosPublisher() {
      @Override public String via() {
        return "redis";
      }

      @Override public CompletableFuture<Stored> publish(String room, String id) {
        return broker.publish(room, Payload.text(id), id).toCompletableFuture().thenApply(p -> new Stored(p.offset(), p.epoch()));
      }

      @Override public boolean passing(Throwable failure) {
        return true; // unavailable, timed out, or a failover in the middle: all pass
      }

      @Override public void close() {
        broker.close();
      }
    };
  }

  /** An HTTP answer other than 200. */
  final class HttpStatus extends RuntimeException {
    final int status;

    HttpStatus(int status, String body) {
      super("HTTP " + status + ": " + body);
      this.status = status;
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
