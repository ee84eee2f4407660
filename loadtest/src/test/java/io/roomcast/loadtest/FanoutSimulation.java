package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Room fan-out: {@code lt.rooms} rooms of {@code lt.subscribersPerRoom} subscribers each, and
 * {@code lt.publishersPerRoom} WebSocket publishers per room sharing {@code lt.publishRate} messages/s
 * for {@code lt.durationSeconds}. Reports publish-to-delivery latency at every receiver, delivered
 * messages/s and losses; SLOs: p99 latency, lost messages, failed connections.
 */
public class FanoutSimulation extends RoomcastSimulation {
  final int rooms = Settings.rooms();
  final int subscribers = rooms * Settings.subscribersPerRoom();
  final int publishers = rooms * Settings.publishersPerRoom();
  final int ramp = Settings.rampSeconds();
  final int settle = ramp + 2;
  final int hardStop = settle + Settings.durationSeconds() + Settings.graceSeconds() + 60;

  {
    setUp(
        subscribers("subscribers", Stats.Group.REGULAR, rooms, hardStop)
            .injectOpen(ramp == 0 ? atOnceUsers(subscribers) : rampUsers(subscribers).during(ramp))
            .andThen(referee().injectOpen(atOnceUsers(1))),
        wsPublishers(rooms, Settings.publishRate() / publishers, Settings.payloadBytes(), Duration.ofSeconds(Settings.durationSeconds()))
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
    slos.add(new Report.Slo("refused publishes", stats.refusedPublishes.sum(), Settings.integer("slo.refusedPublishes", 0)));
    return slos;
  }

  @Override
  List<String> parameters() {
    return List.of("url=" + Settings.urls(), "rooms=" + rooms, "subscribers=" + subscribers, "publishers=" + publishers,
        "publishRate=" + Settings.publishRate() + "/s", "payloadBytes=" + Settings.payloadBytes(),
        "duration=" + Settings.durationSeconds() + "s", "ramp=" + ramp + "s");
  }
}
