package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reconnect storm: subscribers as in fan-out, messages from backends over HTTP (through the load
 * balancer, so publishing goes on whatever happens to one node), and {@code lt.stormAtSeconds} after
 * the first publish every subscriber drops its connection at once and reconnects, resuming its room
 * from the last offset it saw. With {@code lt.drainUrl} the storm is a node drain instead
 * ({@code POST /admin/drain}): that node's clients are sent away (close 1001) and reconnect through
 * the load balancer. Reports disconnect-to-subscribed percentiles, recovered subscriptions and losses
 * across the storm; SLOs: failed connections, lost messages, p99 reconnect time.
 */
public class ReconnectStormSimulation extends RoomcastSimulation {
  final int rooms = Settings.rooms();
  final int subscribers = rooms * Settings.subscribersPerRoom();
  final int publishers = rooms * Settings.publishersPerRoom();
  final int ramp = Settings.rampSeconds();
  final int settle = ramp + 2;
  final int stormAt = Settings.stormAtSeconds();
  final String drainUrl = Settings.drainUrl();
  final int hardStop = settle + Settings.durationSeconds() + Settings.graceSeconds() + 60;

  {
    if (stormAt >= Settings.durationSeconds()) {
      throw new IllegalArgumentException("lt.stormAtSeconds (" + stormAt + ") must fall within lt.durationSeconds (" + Settings.durationSeconds() + ")");
    }
    long graceMs = Settings.graceSeconds() * 1000L;
    long stormMs = stormAt * 1000L;
    ScenarioBuilder listeners = scenario("subscribers")
        .exec(joinRoom(Stats.Group.REGULAR, rooms))
        .exec(receiveWhile(s -> stats.firstPublishMs.get() == 0 || System.currentTimeMillis() < stats.firstPublishMs.get() + stormMs,
            Settings.tickMs()))
        .doIf(s -> drainUrl.isEmpty()).then(reconnect(true))
        .exec(receiveWhile(s -> !stats.publishingOverFor(graceMs)
            && System.currentTimeMillis() - stats.startMs < hardStop * 1000L, Settings.tickMs()));
    List<PopulationBuilder> populations = new ArrayList<>();
    populations.add(listeners.injectOpen(ramp == 0 ? atOnceUsers(subscribers) : rampUsers(subscribers).during(ramp))
        .andThen(referee().injectOpen(atOnceUsers(1))));
    populations.add(httpPublishers(rooms, Settings.publishRate() / publishers, Settings.payloadBytes(),
        Duration.ofSeconds(Settings.durationSeconds())).injectOpen(nothingFor(settle), atOnceUsers(publishers)));
    if (!drainUrl.isEmpty()) {
      populations.add(scenario("drain")
          .exec(http("drain").post(drainUrl).check(status().is(202)))
          .injectOpen(nothingFor(settle + stormAt), atOnceUsers(1)));
    }
    setUp(populations).protocols(protocol()).assertions(assertions()).maxDuration(Duration.ofSeconds(hardStop + 60));
  }

  @Override
  List<Report.Slo> slos() {
    List<Report.Slo> slos = new ArrayList<>();
    slos.add(failedConnectionsSlo());
    slos.add(new Report.Slo("lost messages (regular receivers)", stats.lostRegular(), Settings.sloLost()));
    slos.add(new Report.Slo("p99 disconnect->subscribed, ms", Report.p99Ms(stats.reconnect), Settings.sloReconnectP99Ms()));
    return slos;
  }

  @Override
  List<String> parameters() {
    return List.of("url=" + Settings.urls(), "storm=" + (drainUrl.isEmpty() ? "clients close" : "drain " + drainUrl),
        "stormAt=" + stormAt + "s", "rooms=" + rooms, "subscribers=" + subscribers, "httpPublishers=" + publishers,
        "publishRate=" + Settings.publishRate() + "/s", "duration=" + Settings.durationSeconds() + "s");
  }
}
