package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import java.time.Duration;
import java.util.List;

/**
 * Connection capacity: ramps to {@code lt.users} connections over {@code lt.rampSeconds}, each
 * subscribed to one of {@code lt.rooms} rooms and otherwise idle (answering pings), holds them for
 * {@code lt.holdSeconds}. Reports connect-to-connected percentiles, failures, and the spread over
 * nodes; SLOs: failed connections, p99 connect time ({@code lt.slo.connectP99Ms}).
 */
public class ConnectionCapacitySimulation extends RoomcastSimulation {
  final int users = Settings.users();
  final int ramp = Settings.rampSeconds();
  final int hold = Settings.holdSeconds();

  {
    long holdUntilMs = (ramp + hold) * 1000L;
    setUp(
        scenario("idle connections")
            .exec(joinRoom(Stats.Group.REGULAR, Settings.rooms()))
            .exec(receiveWhile(s -> System.currentTimeMillis() - stats.startMs < holdUntilMs, Math.max(1000, Settings.tickMs())))
            .injectOpen(ramp == 0 ? atOnceUsers(users) : rampUsers(users).during(ramp))
            .andThen(referee().injectOpen(atOnceUsers(1))))
        .protocols(protocol())
        .assertions(assertions())
        .maxDuration(Duration.ofSeconds(ramp + hold + 120));
  }

  @Override
  List<Report.Slo> slos() {
    return List.of(failedConnectionsSlo(),
        new Report.Slo("p99 connect->connected, ms", Report.p99Ms(stats.connect), Settings.decimal("slo.connectP99Ms", 1000)));
  }

  @Override
  List<String> parameters() {
    return List.of("url=" + Settings.urls(), "users=" + users, "ramp=" + ramp + "s", "hold=" + hold + "s",
        "rooms=" + Settings.rooms(), "sourceAddresses=" + Settings.sourceAddresses());
  }
}
