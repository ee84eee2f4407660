package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.Ws;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * What every roomcast simulation shares: the protocol (binary WebSocket, subprotocol
 * roomcast.v1.proto), the chains of a receiver and a publisher, and the SLO referee that runs last.
 *
 * <p>Receivers drain what arrived every {@code lt.tickMs} through Gatling's unmatched-message buffer
 * (each message keeps its arrival time), decode every frame with roomcast-protocol and record latency
 * and gaps in {@link Stats}; they answer server pings with pong.
 */
abstract class RoomcastSimulation extends Simulation {
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  /** Each WebSocket of a virtual user is named ws0, ws1, ...: a reconnect opens the next one. */
  static final Function<Session, String> WS_NAME = s -> "ws" + s.getInt("gen");

  final Stats stats = Stats.RUN;
  final String roomPrefix = Settings.roomPrefix();
  final LongAdder failedConnects = new LongAdder();
  /** Subscribes refused or unanswered: the user stops there, so they count as failed connections. */
  final LongAdder failedSubscribes = new LongAdder();
  private final AtomicInteger receiverIndex = new AtomicInteger();
  private final AtomicInteger publisherIndex = new AtomicInteger();

  static Ws socket(String requestName) {
    return ws(requestName).wsName(WS_NAME);
  }

  static Receiver rx(Session s) {
    return (Receiver) s.get("rx");
  }

  static Publisher pub(Session s) {
    return (Publisher) s.get("pub");
  }

  String room(int i) {
    return roomPrefix + i;
  }

  HttpProtocolBuilder protocol() {
    HttpProtocolBuilder p = http.baseUrl(Settings.httpBase())
        .wsBaseUrls(Settings.wsBases())
        .wsUnmatchedInboundMessageBufferSize(Settings.bufferMessages())
        .acceptHeader("*/*")
        .userAgentHeader("roomcast-loadtest");
    List<String> sources = Settings.sourceAddresses();
    return sources.isEmpty() ? p : p.localAddresses(sources);
  }

  /** Opens ws{gen} and waits for the connected frame; sets "linked" to whether it worked. */
  ChainBuilder connectOnce() {
    return exec(s -> s.set("connectStart", Wire.nowMicros()))
        .exec(socket("connect").connect(s -> Settings.wsPath() + Tokens.query("lt-" + s.userId()))
            .subprotocol(Wire.SUBPROTOCOL)
            .await(REPLY_TIMEOUT).on(ws.checkBinaryMessage("connected")
                .check(bodyBytes().saveAs("hello"), bodyBytes().transform(Wire::hasConnected).is(true))))
        .exec(s -> {
          if (s.isFailed()) return s.markAsSucceeded().set("linked", false).remove("hello");
          stats.connect.recordValue(Wire.nowMicros() - s.getLong("connectStart"));
          if (s.contains("rx")) rx(s).onMessage(s.get("hello"), System.currentTimeMillis());
          else stats.connected.increment();
          return s.set("linked", true).remove("hello");
        });
  }

  /** The first connect of a virtual user: one that fails counts as a failed connection, and the user stops. */
  ChainBuilder connect() {
    return exec(connectOnce())
        .exec(s -> {
          if (s.getBoolean("linked")) return s;
          failedConnects.increment();
          return s.markAsFailed();
        })
        .exitHereIfFailed();
  }

  /**
   * A reconnect as real clients do it: up to {@code lt.reconnectAttempts} attempts, each on a new
   * socket, with doubling back-off from 100 ms (a draining node refuses handshakes with 503 until
   * the load balancer notices). A user that runs out of attempts counts as a failed connection.
   */
  ChainBuilder connectWithRetry() {
    int attempts = Settings.integer("reconnectAttempts", 6);
    return exec(s -> s.set("linked", false).set("attempt", 0))
        .asLongAs(s -> !s.getBoolean("linked") && s.getInt("attempt") < attempts).on(
            exec(s -> s.set("gen", s.getInt("gen") + 1).set("attempt", s.getInt("attempt") + 1)),
            exec(connectOnce()),
            doIf(s -> !s.getBoolean("linked")).then(
                exec(s -> {
                  stats.refusedReconnects.increment();
                  return s;
                }),
                pause(s -> Duration.ofMillis(100L << Math.min(6, s.getInt("attempt") - 1)))))
        .exec(s -> {
          if (s.getBoolean("linked")) return s;
          failedConnects.increment();
          return s.markAsFailed();
        })
        .exitHereIfFailed();
  }

  /** One subscribe request for the receiver's room (from its last position after a reconnect); sets "joined". */
  ChainBuilder subscribeOnce() {
    return exec(socket("subscribe").sendBytes(s -> rx(s).subscribeFrame())
            .await(REPLY_TIMEOUT).on(ws.checkBinaryMessage("subscribed")
                .matching(bodyBytes().transform(Wire::hasReply).is(true))
                .check(bodyBytes().saveAs("reply"), bodyBytes().transform(Wire::replyIsSubscribed).is(true))))
        .exec(s -> {
          if (s.contains("reply")) rx(s).onMessage(s.get("reply"), System.currentTimeMillis());
          boolean joined = !s.isFailed();
          return s.markAsSucceeded().set("joined", joined).remove("reply");
        });
  }

  /**
   * Subscribes as real clients do: a refusal (503 while the broker is unreachable) or no answer is
   * retried up to {@code lt.subscribeAttempts} times with doubling back-off from 100 ms; a user that
   * runs out of attempts counts as a failed connection and stops.
   */
  ChainBuilder subscribe() {
    int attempts = Settings.integer("subscribeAttempts", 5);
    return exec(s -> s.set("joined", false).set("subAttempt", 0))
        .asLongAs(s -> !s.getBoolean("joined") && s.getInt("subAttempt") < attempts).on(
            exec(s -> s.set("subAttempt", s.getInt("subAttempt") + 1)),
            exec(subscribeOnce()),
            doIf(s -> !s.getBoolean("joined")).then(
                exec(s -> {
                  stats.refusedSubscribes.increment();
                  return s;
                }),
                pause(s -> Duration.ofMillis(100L << Math.min(6, s.getInt("subAttempt") - 1)))))
        .exec(s -> {
          if (s.getBoolean("joined")) return s;
          failedSubscribes.increment();
          return s.markAsFailed();
        })
        .exitHereIfFailed();
  }

  /** A receiver of {@code group}: gets the next room (round robin), connects and subscribes. */
  ChainBuilder joinRoom(Stats.Group group, int rooms) {
    return exec(s -> s.set("gen", 0).set("rx", new Receiver(group, room(receiverIndex.getAndIncrement() % rooms))))
        .exec(connect())
        .exec(subscribe());
  }

  /** Closes the current socket and opens the next, subscribing from where it stopped. */
  ChainBuilder reconnect(boolean closeFirst) {
    ChainBuilder open = exec(s -> {
          rx(s).connectionLost();
          return s;
        })
        .exec(connectWithRetry())
        .exec(subscribe());
    if (!closeFirst) return open;
    return exec(ws.processUnmatchedMessages(WS_NAME, (messages, s) -> {
          rx(s).onInbound(messages);
          return s;
        }))
        .exec(socket("close").close())
        .exec(open);
  }

  /** Drains received messages every {@code tickMs} while {@code go} holds; follows a server's disconnect. */
  ChainBuilder receiveWhile(Function<Session, Boolean> go, int tickMs) {
    return asLongAs(go).on(
        pause(Duration.ofMillis(tickMs)),
        ws.processUnmatchedMessages(WS_NAME, (messages, s) -> {
          rx(s).onInbound(messages);
          return s;
        }),
        doIfOrElse(s -> rx(s).takeDisconnected())
            .then(reconnect(false))
            .orElse(doIf(s -> rx(s).takePing()).then(socket("pong").sendBytes(s -> {
              rx(s).sent();
              return Wire.PONG;
            }))));
  }

  /** Receivers that listen until the publishers are done (plus {@code lt.graceSeconds}) or {@code hardStopSeconds}. */
  ScenarioBuilder subscribers(String name, Stats.Group group, int rooms, int hardStopSeconds) {
    long graceMs = Settings.graceSeconds() * 1000L;
    return scenario(name)
        .exec(joinRoom(group, rooms))
        .exec(receiveWhile(s -> !stats.publishingOverFor(graceMs)
            && System.currentTimeMillis() - stats.startMs < hardStopSeconds * 1000L, Settings.tickMs()));
  }

  /** WebSocket publishers: each sends to its room at rate {@code perPublisherRate} for {@code duration}. */
  ScenarioBuilder wsPublishers(int rooms, double perPublisherRate, int payloadBytes, Duration duration) {
    // Gatling paces in milliseconds: above 200/s per connection, frames go out in batches per message.
    int batch = (int) Math.max(1, Math.ceil(perPublisherRate / 200));
    Duration interval = Duration.ofNanos((long) (batch * 1e9 / perPublisherRate));
    if (perPublisherRate > 100) {
      System.err.printf("note: %.0f publishes/s per connection; nodes refuse more than roomcast.publish-rate.per-second"
          + " (default 100) with 429: raise it or lt.publishersPerRoom%n", perPublisherRate);
    }
    return scenario("publishers")
        .exec(s -> s.set("gen", 0).set("pub", new Publisher(room(publisherIndex.getAndIncrement() % rooms), batch, payloadBytes)))
        .exec(connect())
        .exec(s -> {
          stats.publisherStarted();
          return s;
        })
        .during(duration, false).on( // finish the iteration: its answer still counts
            pace(interval),
            // Gatling clears unread messages when a user sends: drain the acks first.
            ws.processUnmatchedMessages(WS_NAME, (messages, s) -> {
              pub(s).onInbound(messages);
              return s;
            }),
            socket("publish").sendBytes(s -> pub(s).nextBatch()))
        .exec(s -> s.set("ackDeadline", System.currentTimeMillis() + 3000))
        .asLongAs(s -> pub(s).unanswered() > 0 && System.currentTimeMillis() < s.getLong("ackDeadline")).on(
            pause(Duration.ofMillis(100)),
            ws.processUnmatchedMessages(WS_NAME, (messages, s) -> {
              pub(s).onInbound(messages);
              return s;
            }))
        .exec(s -> {
          stats.unanswered.add(pub(s).unanswered());
          stats.publisherFinished();
          return s;
        })
        .exec(socket("close").close());
  }

  /** Backend publishers through the HTTP API: each POSTs stamped payloads to its room at {@code perPublisherRate}. */
  ScenarioBuilder httpPublishers(int rooms, double perPublisherRate, int payloadBytes, Duration duration) {
    int batch = (int) Math.max(1, Math.ceil(perPublisherRate / 200));
    Duration interval = Duration.ofNanos((long) (batch * 1e9 / perPublisherRate));
    String token = Tokens.forUser("lt-backend");
    return scenario("http publishers")
        .exec(s -> s.set("room", room(publisherIndex.getAndIncrement() % rooms)))
        .exec(s -> {
          stats.publisherStarted();
          return s;
        })
        .during(duration, false).on( // finish the iteration: its answer still counts
            pace(interval),
            repeat(batch).on(
                exec(s -> s.set("sentAt", Wire.nowMicros())),
                exec(http("publish").post(s -> "/api/v1/rooms/" + s.getString("room") + "/messages")
                    .header("Content-Type", "application/octet-stream")
                    .header("Authorization", s -> token.isEmpty() ? "" : "Bearer " + token)
                    .body(ByteArrayBody(s -> {
                      stats.firstPublishMs.compareAndSet(0, System.currentTimeMillis());
                      stats.published.increment();
                      return Wire.stampedPayload(payloadBytes);
                    }))
                    .check(status().saveAs("status"))),
                exec(s -> {
                  if (s.contains("status") && s.getInt("status") == 200) stats.acked(s.getString("room"), 0, Wire.nowMicros() - s.getLong("sentAt"));
                  else if (s.contains("status")) Stats.count(stats.errorCodes, s.getInt("status"));
                  return s.remove("status");
                })))
        .exec(s -> {
          stats.publisherFinished();
          return s;
        });
  }

  /** The SLOs of this simulation, measured now; the same names on every call. */
  abstract List<Report.Slo> slos();

  /** Parameters printed with the summary. */
  abstract List<String> parameters();

  /** The failed-connections SLO every simulation has. */
  Report.Slo failedConnectionsSlo() {
    return new Report.Slo("failed connections (connect or subscribe)", failedConnects.sum() + failedSubscribes.sum(),
        Settings.sloFailedConnections());
  }

  /** One request per SLO, failing when the SLO is missed; runs after the load. */
  ScenarioBuilder referee() {
    List<Report.Slo> names = slos();
    ChainBuilder chain = exec(s -> s);
    for (int i = 0; i < names.size(); i++) {
      int index = i;
      chain = chain.exec(http("SLO " + names.get(i).name()).get("/healthz")
          .check(status().transform(st -> {
            @SuppressWarnings("unchecked") List<Report.Slo> now = (List<Report.Slo>) SLOS_AT_END.get();
            return now.get(index).holds();
          }).is(true)));
    }
    return scenario("slo").exec(s -> {
      beforeVerdict();
      SLOS_AT_END.set(slos());
      return s;
    }).exec(chain);
  }

  /** The SLOs as measured when the referee started. */
  static final java.util.concurrent.atomic.AtomicReference<List<Report.Slo>> SLOS_AT_END = new java.util.concurrent.atomic.AtomicReference<>(List.of());

  /** Called just before the SLOs are measured (e.g. to stop helper threads). */
  void beforeVerdict() {}

  /** Gatling assertions: every SLO request must succeed. */
  Assertion[] assertions() {
    List<Assertion> a = new ArrayList<>();
    for (Report.Slo slo : slos()) a.add(details("SLO " + slo.name()).failedRequests().count().is(0L));
    return a.toArray(new Assertion[0]);
  }

  @Override
  public void before() {
    stats.startMs = System.currentTimeMillis();
  }

  @Override
  public void after() {
    List<Report.Slo> end = SLOS_AT_END.get().isEmpty() ? slos() : SLOS_AT_END.get();
    Report.write(getClass().getSimpleName(), Report.summary(getClass().getSimpleName(), parameters(), end));
  }
}
