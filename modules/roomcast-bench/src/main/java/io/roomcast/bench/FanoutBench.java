package io.roomcast.bench;

import io.roomcast.testkit.NodeProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out benchmark: starts one node (or two nodes and Redis), connects N subscribers spread over R
 * rooms (and over the nodes), publishes 100-byte payloads at a fixed rate (or as fast as the nodes
 * acknowledge), and prints delivered messages per second, publish-to-delivery latency percentiles
 * from the intended send time (HdrHistogram, no coordinated omission), bytes on the wire, and the
 * nodes' CPU and resident memory from /proc. docs/performance.md has the command and its output.
 *
 * <p>Options ({@code --name value}): nodes (1; 2 or more start Redis too), rooms (1), subscribers
 * (1000, in all), rate (publications per second in all; 0 = as fast as acknowledged), payload (100),
 * warmup (5 s), duration (10 s), stalled (fraction of subscribers that never read, 0), client-threads
 * (1), sources (4 loopback source addresses), jar (modules/roomcast-server/target/roomcast-server.jar),
 * jvm (node JVM options, space separated), and any {@code --env KEY=VALUE} for the nodes.
 */
public final class FanoutBench {
  private FanoutBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("nodes", "1", "rooms", "1", "subscribers", "1000", "rate", "1000",
        "payload", "100", "warmup", "5", "duration", "10", "stalled", "0", "client-threads", "1", "sources", "4"));
    o.put("jar", "modules/roomcast-server/target/roomcast-server.jar");
    o.put("jvm", "-Xms512m -Xmx512m -XX:+UseParallelGC -XX:+AlwaysPreTouch");
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      String key = args[i].replaceFirst("^--", "");
      if (key.equals("env")) {
        String[] kv = args[i + 1].split("=", 2);
        env.put(kv[0], kv[1]);
      } else {
        o.put(key, args[i + 1]);
      }
    }
    int nodes = Integer.parseInt(o.get("nodes"));
    int rooms = Integer.parseInt(o.get("rooms"));
    int subscribers = Integer.parseInt(o.get("subscribers"));
    double rate = Double.parseDouble(o.get("rate"));
    int payload = Integer.parseInt(o.get("payload"));
    int warmup = Integer.parseInt(o.get("warmup"));
    int duration = Integer.parseInt(o.get("duration"));
    double stalledFraction = Double.parseDouble(o.get("stalled"));
    List<String> sources = Clients.sourceAddresses(Integer.parseInt(o.get("sources")));
    List<String> jvm = List.of(o.get("jvm").trim().split("\\s+"));

    System.out.printf("fanout: nodes=%d rooms=%d subscribers=%d rate=%s payload=%dB warmup=%ds duration=%ds stalled=%.0f%% env=%s%n",
        nodes, rooms, subscribers, rate > 0 ? String.format("%.0f/s", rate) : "max", payload, warmup, duration,
        stalledFraction * 100, env);
    System.out.printf("load average before: %s%n", Proc.loadAverage());

    try (Services services = new Services(Path.of("target", "bench-logs"))) {
      String redis = nodes > 1 ? services.redis() : null;
      List<NodeProcess> started = new ArrayList<>();
      for (int i = 0; i < nodes; i++) started.add(services.node("bench-" + i, o.get("jar"), jvm, redis, env));
      List<String> roomNames = new ArrayList<>();
      for (int r = 0; r < rooms; r++) roomNames.add("room-" + r);

      try (Clients clients = new Clients(Integer.parseInt(o.get("client-threads")))) {
        int stalled = 0;
        for (int s = 0; s < subscribers; s++) {
          // Rooms round-robin, and nodes round-robin within a room, so every room has members on every node.
          String room = roomNames.get(s % rooms);
          NodeProcess node = started.get((s / rooms) % nodes);
          boolean stall = stalled < Math.round(subscribers * stalledFraction) && s % Math.max(1, (int) Math.round(1 / Math.max(stalledFraction, 1e-9))) == 0;
          if (stall) stalled++;
          clients.open(sources.get(s % sources.size()), node.port, room, stall);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (clients.subscribed.get() < subscribers && System.nanoTime() < deadline) Thread.sleep(20);
        if (clients.subscribed.get() < subscribers) {
          throw new IllegalStateException("only " + clients.subscribed.get() + " of " + subscribers + " subscribed (" + clients.failedBeforeSubscribed.size() + " failed before)");
        }
        int live = subscribers - stalled;
        System.out.printf("%d subscribers subscribed (%d stalled)%n", subscribers, stalled);

        List<Integer> ports = started.stream().map(n -> n.port).toList();
        try (Publisher publisher = new Publisher(ports)) {
          StepResult r = FanoutStep.run(clients, publisher, started.stream().map(NodeProcess::pid).toList(), services.redisPid(),
              roomNames, rate, payload, warmup, duration);
          double pubRate = rate > 0 ? rate : (double) r.published() / (warmup + duration);
          System.out.printf("load average after: %s%n", Proc.loadAverage());
          System.out.printf("published:  %d in all (%.0f/s), %d refused%n", r.published(), pubRate, r.refused());
          System.out.printf("delivered:  %.0f msg/s (expected about %.0f/s: %.0f publications/s x %d live subscribers per room / ... )%n",
              r.deliveredPerSecond(), r.expectedPerSecond(), pubRate, live / rooms);
          System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (%d samples)%n",
              r.ms(50), r.ms(90), r.ms(99), r.ms(99.9), r.maxMs(), r.latency().getTotalCount());
          System.out.printf("wire:       %.1f MB/s to subscribers, %.1f bytes per message (WebSocket framing and batches included)%n",
              r.bytes() / r.seconds() / 1e6, r.delivered() == 0 ? 0.0 : (double) r.bytes() / r.delivered());
          System.out.printf("node CPU:   %.0f%% of one core in all (%d node(s)), %.2f us per delivery%n",
              r.serverCpuPercent(), nodes, r.serverMicrosPerDelivery());
          if (services.redisPid() > 0) System.out.printf("redis CPU:  %.0f%% of one core%n", r.redisCpuPercent());
          System.out.printf("bench CPU:  %.0f%% of one core (publisher and subscribers)%n", r.benchCpuPercent());
          System.out.printf("node RSS:   %d..%d MiB during the measured window (all nodes)%n", r.rssMinKib() / 1024, r.rssMaxKib() / 1024);
          System.out.printf("order:      %s lost, %d reordered over the whole run (live subscribers; %d connections closed)%n",
              r.lostText(), r.reordered(), r.closed());
          if (stalled > 0) {
            // Stalled subscribers read nothing, so only the nodes can say what happened to them.
            for (NodeProcess n : started) System.out.printf("node %d metrics: %s%n", n.port, slowConsumerMetrics(n.managementPort));
          }
        }
      }
    }
  }

  /** The node's slow-consumer counters and queued bytes, from its Prometheus endpoint on the management {@code port}. */
  private static String slowConsumerMetrics(int port) {
    try {
      String body = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      return body.lines().filter(l -> l.startsWith("roomcast_slow_consumers_total") || l.startsWith("roomcast_messages_dropped_total")
          || l.startsWith("roomcast_outbound_queued_bytes") || l.startsWith("roomcast_connections_closed_total")).toList().toString();
    } catch (Exception e) {
      return "unavailable: " + e;
    }
  }

}
