package io.roomcast.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Slow consumers: fan-out where a share ({@code lt.slowShare}) of each room's subscribers read
 * slowly ({@code lt.slowReadBytesPerSecond}; 0 = never). Slow readers are plain sockets with a small
 * receive window (a Gatling user always reads); the regular subscribers are Gatling users. Reports
 * the two groups apart and what became of the slow ones (cut off with 4008, or still connected);
 * SLOs hold for the regular subscribers only: p99 latency, lost messages, failed connections.
 */
public class SlowConsumerSimulation extends RoomcastSimulation {
  final int rooms = Settings.rooms();
  final int perRoom = Settings.subscribersPerRoom();
  final int slowPerRoom = (int) Math.round(perRoom * Settings.slowShare());
  final int regular = rooms * (perRoom - slowPerRoom);
  final int publishers = rooms * Settings.publishersPerRoom();
  final int ramp = Settings.rampSeconds();
  final int settle = ramp + 2;
  final int hardStop = settle + Settings.durationSeconds() + Settings.graceSeconds() + 60;
  private final List<SlowReader> slowReaders = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  {
    setUp(
        subscribers("subscribers", Stats.Group.REGULAR, rooms, hardStop)
            .injectOpen(ramp == 0 ? atOnceUsers(regular) : rampUsers(regular).during(ramp))
            .andThen(referee().injectOpen(atOnceUsers(1))),
        wsPublishers(rooms, Settings.publishRate() / publishers, Settings.payloadBytes(), Duration.ofSeconds(Settings.durationSeconds()))
            .injectOpen(nothingFor(settle), atOnceUsers(publishers)))
        .protocols(protocol())
        .assertions(assertions())
        .maxDuration(Duration.ofSeconds(hardStop + 60));
  }

  @Override
  public void before() {
    super.before();
    int total = rooms * slowPerRoom;
    CountDownLatch subscribed = new CountDownLatch(total);
    List<java.net.URI> urls = Settings.urls();
    for (int i = 0; i < total; i++) {
      SlowReader r = new SlowReader(urls.get(i % urls.size()), room(i % rooms), Settings.slowReadBytesPerSecond(),
          Tokens.forUser("lt-slow-" + i), subscribed);
      Thread t = new Thread(r, "slow-reader-" + i);
      t.setDaemon(true);
      slowReaders.add(r);
      threads.add(t);
      t.start();
    }
    try {
      if (!subscribed.await(30, TimeUnit.SECONDS)) System.err.println("some slow readers did not subscribe within 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  void beforeVerdict() {
    slowReaders.forEach(SlowReader::stop);
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<String, Integer> fate = new TreeMap<>();
    for (SlowReader r : slowReaders) {
      String f = r.closed ? "closed by the server" + (r.closeCode > 0 ? " (" + r.closeCode + ")" : "") : "still connected";
      fate.merge(f, 1, Integer::sum);
    }
    Report.EXTRA.add("slow readers (" + slowReaders.size() + ", reading " + Settings.slowReadBytesPerSecond()
        + " B/s): " + fate);
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
    return List.of("url=" + Settings.urls(), "rooms=" + rooms, "regularSubscribers=" + regular,
        "slowReaders=" + rooms * slowPerRoom, "slowReadBytesPerSecond=" + Settings.slowReadBytesPerSecond(),
        "publishers=" + publishers, "publishRate=" + Settings.publishRate() + "/s", "payloadBytes=" + Settings.payloadBytes(),
        "duration=" + Settings.durationSeconds() + "s");
  }
}
