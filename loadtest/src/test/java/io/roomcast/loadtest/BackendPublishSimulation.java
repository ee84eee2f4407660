package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Backend publish: subscribers listen as in the fan-out simulation while the messages come from
 * backends, through the HTTP API ({@code POST /api/v1/rooms/{room}/messages}, {@code lt.publishersPerRoom}
 * concurrent publishers per room sharing {@code lt.publishRate}). Same report and SLOs as fan-out,
 * plus the HTTP publish latency in Gatling's report.
 */
public class BackendPublishSimulation extends RoomcastSimulation {
  final int rooms = Settings.rooms();
  final int subscribers = rooms * Settings.subscribersPerRoom();
  final int publishers = rooms * Settings.publishersPerRoom();
  final int ramp = Settings.rampSeconds();
  final int settle = ramp + 2;
  final int hardStop = settle + Settings.durationSeconds() + Settings.graceSeconds() + 60;

  {
    if (!"http".equals(Settings.backend())) {
      throw new IllegalArgumentException("lt.backend=" + Settings.backend() + ": only http is implemented; for Redis see docs/redis.md");
    }
    setUp(
        subscribers("subscribers", Stats.Group.REGULAR, rooms, hardStop)
            .injectOpen(ramp == 0 ? atOnceUsers(subscribers) : rampUsers(subscribers).during(ramp))
            .andThen(referee().injectOpen(atOnceUsers(1))),
        httpPublishers(rooms, Settings.publishRate() / publishers, Settings.payloadBytes(), Duration.ofSeconds(Settings.durationSeconds()))
            .injectOpen(nothingFor(settle), atOnceUsers(publishers)))
        .protocols(protocol())
        .assertions(assertions())
        .maxDuration(Duration.ofSeconds(hardStop + 60));
  }

  @Override
  List<Report.Slo> slos() {
    List<Report.Slo> slos = new ArrayList<>();
    slos.add(failedConnectionsSlo());
    slos.addAll(Report.deliverySlos());
    slos.add(new Report.Slo("failed HTTP publishes", stats.published.sum() - stats.acked.sum(), Settings.integer("slo.failedPublishes", 0)));
    return slos;
  }

  @Override
  List<String> parameters() {
    return List.of("url=" + Settings.urls(), "http=" + Settings.httpBase(), "backend=http", "rooms=" + rooms,
        "subscribers=" + subscribers, "publishers=" + publishers, "publishRate=" + Settings.publishRate() + "/s",
        "payloadBytes=" + Settings.payloadBytes(), "duration=" + Settings.durationSeconds() + "s");
  }
}
