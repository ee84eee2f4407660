package io.roomcast.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * roomcast and the Node.js baseline ({@code baseline/}, ws + ioredis) side by side, on one scenario
 * and one rate ladder, each step with fresh processes: two servers and Redis, R rooms × S
 * subscribers split evenly over the servers, one publisher per room (rooms alternate servers),
 * open-loop publish rates. Then, per server, a search for the highest sustained rate. Prints a line
 * per step as it goes and a table at the end (docs/performance.md, "Side by side").
 *
 * <p>Options ({@code --name value}): rates (deliveries per second, comma separated; 1000,10000,40000,
 * 100000,220000,400000), warmup (seconds, comma separated: each step runs once per warm-up; 3),
 * duration (5), servers (roomcast,baseline), search (on), search-steps (3), max-p99-ms (1000: the
 * search's bound), nodes (2), rooms (10), subscribers (1000, in all), payload (100), client-threads
 * (1), sources (4), jar (as {@link FanoutBench}), jvm (default: deploy/Dockerfile's flags with
 * -Xmx512m, so that RSS shows what is used rather than a pre-touched heap), baseline (modules/roomcast-bench/baseline),
 * {@code --env KEY=VALUE} for roomcast's nodes, and {@code --short} (a smoke run: 1k and 40k, 1 s
 * warm-up, 2 s measured, no search).
 */
public final class SideBySide {
  private final Map<String, String> o;
  private final Map<String, String> env;
  /** Every step measured so far, in order. */
  private final List<Row> rows = new ArrayList<>();

  /** One measured step: which server, at what rate of deliveries, after what warm-up; whether the search ran it. */
  record Row(String server, double deliveries, int warmup, boolean search, StepResult result) {}

  private SideBySide(Map<String, String> o, Map<String, String> env) {
    this.o = o;
    this.env = env;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("rates", "1000,10000,40000,100000,220000,400000", "warmup", "3",
        "duration", "5", "servers", "roomcast,baseline", "search", "on", "search-steps", "3", "max-p99-ms", "1000",
        "nodes", "2", "rooms", "10", "subscribers", "1000"));
    o.putAll(Map.of("payload", "100", "client-threads", "1", "sources", "4",
        "jar", "modules/roomcast-server/target/roomcast-server.jar",
        // The flags the project ships (deploy/Dockerfile), with the heap a 1 GiB container would get.
        "jvm", "-Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=50 -Xss512k -XX:+ExitOnOutOfMemoryError -Droomcast.warmup=10",
        "baseline", "modules/roomcast-bench/baseline"));
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String key = args[i].replaceFirst("^--", "");
      if (key.equals("short")) {
        o.putAll(Map.of("rates", "1000,40000", "warmup", "1", "duration", "2", "search", "off"));
      } else if (key.equals("env")) {
        String[] kv = args[++i].split("=", 2);
        env.put(kv[0], kv[1]);
      } else {
        o.put(key, args[++i]);
      }
    }
    new SideBySide(o, env).run();
  }

  private void run() throws Exception {
    List<String> servers = List.of(o.get("servers").split(","));
    if (servers.contains("baseline")) BaselineProcess.install(Path.of(o.get("baseline")));
    System.out.printf("side by side: %s; nodes=%s rooms=%s subscribers=%s payload=%sB rates=%s deliveries/s warm-up=%s s duration=%s s; roomcast env=%s%n",
        servers, o.get("nodes"), o.get("rooms"), o.get("subscribers"), o.get("payload"), o.get("rates"), o.get("warmup"),
        o.get("duration"), env);
    System.out.printf("load average at start: %s (%s)%n", Proc.loadAverage(), java.time.Instant.now());
    List<Integer> warmups = ints(o.get("warmup"));
    for (int rate : ints(o.get("rates"))) {
      for (int warmup : warmups) {
        for (String server : servers) measure(server, rate, warmup, false);
      }
    }
    if (o.get("search").equals("on")) {
      for (String server : servers) {
        new Saturation(Double.parseDouble(o.get("max-p99-ms")), Integer.parseInt(o.get("search-steps")))
            .search(server, rows, rate -> measure(server, rate, warmups.get(0), true));
      }
    }
    System.out.printf("load average at end: %s (%s)%n%n", Proc.loadAverage(), java.time.Instant.now());
    SideBySideTable.print(rows, servers, Double.parseDouble(o.get("max-p99-ms")), System.out);
  }

  /** One step on fresh processes: {@code server}'s nodes and Redis, the subscribers, the publisher. */
  private StepResult measure(String server, double deliveries, int warmup, boolean search) {
    int nodes = Integer.parseInt(o.get("nodes"));
    List<String> rooms = new ArrayList<>();
    for (int r = 0; r < Integer.parseInt(o.get("rooms")); r++) rooms.add("room-" + r);
    int subscribers = Integer.parseInt(o.get("subscribers"));
    double rate = deliveries * rooms.size() / subscribers; // publications per second: each reaches subscribers/rooms members
    try (Services services = new Services(Path.of("target", "bench-logs"))) {
      String redis = services.redis();
      List<Integer> ports = new ArrayList<>();
      List<Long> pids = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        if (server.equals("roomcast")) {
          var n = services.node("roomcast-" + i, o.get("jar"), List.of(o.get("jvm").trim().split("\\s+")), redis, env);
          ports.add(n.port);
          pids.add(n.pid());
        } else {
          var b = services.baseline("baseline-" + i, Path.of(o.get("baseline")), redis);
          ports.add(b.port);
          pids.add(b.pid());
        }
      }
      try (Clients clients = new Clients(Integer.parseInt(o.get("client-threads")))) {
        FanoutStep.subscribe(clients, Clients.sourceAddresses(Integer.parseInt(o.get("sources"))), ports, rooms, subscribers);
        try (Publisher publisher = new Publisher(ports)) {
          StepResult r = FanoutStep.run(clients, publisher, pids, services.redisPid(), rooms, rate,
              Integer.parseInt(o.get("payload")), warmup, Integer.parseInt(o.get("duration")));
          Row row = new Row(server, deliveries, warmup, search, r);
          rows.add(row);
          System.out.println(SideBySideTable.line(row));
          return r;
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(server + " at " + deliveries + " deliveries/s: " + e, e);
    }
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    for (String s : csv.split(",")) out.add(Integer.parseInt(s.trim()));
    return out;
  }
}
