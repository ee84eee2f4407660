package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.PopulationBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Backend publish: subscribers listen as in the fan-out simulation while the messages come from
 * backends: through the HTTP API ({@code lt.backend=http}: {@code POST /api/v1/rooms/{room}/messages},
 * {@code lt.publishersPerRoom} concurrent publishers per room sharing {@code lt.publishRate}), or
 * straight into Redis ({@code lt.backend=redis}: the nodes' publish script, pipelined, at
 * {@code lt.publishRate} over all rooms). Same report and SLOs as fan-out, plus failed publishes.
 */
public class BackendPublishSimulation extends RoomcastSimulation {
  final int rooms = Settings.rooms();
  final int subscribers = rooms * Settings.subscribersPerRoom();
  final int publishers = rooms * Settings.publishersPerRoom();
  final int ramp = Settings.rampSeconds();
  final int settle = ramp + 2;
  final int hardStop = settle + Settings.durationSeconds() + Settings.graceSeconds() + 60;

  {
    boolean http = switch (Settings.backend()) {
      case "http" -> true;
      case "redis" -> false;
      default -> throw new IllegalArgumentException("lt.backend must be http or redis: " + Settings.backend());
    };
    List<PopulationBuilder> populations = new ArrayList<>();
    populations.add(subscribers("subscribers", Stats.Group.REGULAR, rooms, hardStop)
        .injectOpen(ramp == 0 ? atOnceUsers(subscribers) : rampUsers(subscribers).during(ramp))
        .andThen(referee().injectOpen(atOnceUsers(1))));
    if (http) {
      populations.add(httpPublishers(rooms, Settings.publishRate() / publishers, Settings.payloadBytes(),
          Duration.ofSeconds(Settings.durationSeconds())).injectOpen(nothingFor(settle), atOnceUsers(publishers)));
    } else {
      populations.add(scenario("redis publisher")
          .exec(s -> {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < rooms; i++) names.add(room(i));
            Thread t = new Thread(() -> {
              try {
                new RedisInjector(Settings.redis(), names, Settings.publishRate(), Settings.payloadBytes(), Settings.keyPrefix())
                    .run(Settings.durationSeconds() * 1000L);
              } catch (Exception e) {
                System.err.println("redis injection failed: " + e);
              }
            }, "redis-injector");
            t.setDaemon(true);
            t.start();
            return s;
          })
          .injectOpen(nothingFor(settle), atOnceUsers(1)));
    }
    setUp(populations).protocols(protocol()).assertions(assertions()).maxDuration(Duration.ofSeconds(hardStop + 60));
  }

  @Override
  List<Report.Slo> slos() {
    List<Report.Slo> slos = new ArrayList<>();
    slos.add(failedConnectionsSlo());
    slos.addAll(Report.deliverySlos());
    slos.add(new Report.Slo("failed publishes", stats.published.sum() - stats.acked.sum(), Settings.integer("slo.failedPublishes", 0)));
    return slos;
  }

  @Override
  List<String> parameters() {
    return List.of("url=" + Settings.urls(), "backend=" + Settings.backend()
        + ("redis".equals(Settings.backend()) ? " " + Settings.redis() : " " + Settings.httpBase()), "rooms=" + rooms,
        "subscribers=" + subscribers, "publishers=" + publishers, "publishRate=" + Settings.publishRate() + "/s",
        "payloadBytes=" + Settings.payloadBytes(), "duration=" + Settings.durationSeconds() + "s");
  }
}
