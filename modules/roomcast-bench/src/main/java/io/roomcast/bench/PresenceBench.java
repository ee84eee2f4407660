package io.roomcast.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Presence;
import io.roomcast.core.PresenceConfig;
import io.roomcast.core.PresenceMember;
import io.roomcast.redis.RedisBrokerConfig;
import io.roomcast.redis.RedisBrokers;
import io.roomcast.testkit.Resp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What presence costs Redis: used_memory for the members, and commands per second while the nodes
 * keep them alive. Three "nodes" (each its own broker connection and RedisPresence, as a node process
 * has) make exactly the calls a node makes: one join per member, then one refresh batch per node per
 * refresh interval. Two shapes: one room of 10,000 members, and 1,000 rooms of 10.
 *
 * <pre>java -cp modules/roomcast-bench/target/roomcast-bench.jar io.roomcast.bench.PresenceBench [--window-s 30]</pre>
 */
public final class PresenceBench {
  private static final int NODES = 3;

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("window-s", "30", "refresh-ms", "5000"));
    for (int i = 0; i < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    int windowS = Integer.parseInt(o.get("window-s"));
    long refreshMs = Long.parseLong(o.get("refresh-ms"));
    try (Services services = new Services(Path.of("target", "presence-bench"))) {
      String uri = services.redis();
      int port = Integer.parseInt(uri.substring(uri.lastIndexOf(':') + 1));
      run("1 room x 10000 members", 1, 10_000, uri, port, windowS, refreshMs);
      run("1000 rooms x 10 members", 1000, 10, uri, port, windowS, refreshMs);
    }
  }

  private static void run(String name, int rooms, int perRoom, String uri, int port, int windowS, long refreshMs) throws Exception {
    Resp.call(port, "FLUSHALL");
    PresenceConfig config = PresenceConfig.defaults();
    List<Broker> brokers = new ArrayList<>();
    List<Presence> nodes = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      Broker b = RedisBrokers.create(RedisBrokerConfig.defaults(uri), new SimpleMeterRegistry());
      b.start(p -> { });
      brokers.add(b);
      nodes.add(RedisBrokers.presence(b, "node" + n, config, new SimpleMeterRegistry()));
    }
    // what each node holds, as its tracker does: by room, its own members
    List<Map<String, List<PresenceMember>>> local = new ArrayList<>();
    for (int n = 0; n < NODES; n++) local.add(new HashMap<>());
    long before = info(port, "used_memory");
    long joinStart = System.nanoTime();
    List<CompletableFuture<Void>> joins = new ArrayList<>();
    int i = 0;
    for (int r = 0; r < rooms; r++) {
      String room = "room-" + r;
      for (int m = 0; m < perRoom; m++, i++) {
        int n = i % NODES;
        PresenceMember member = new PresenceMember("user-" + i, "node" + n + "-" + Integer.toString(i, 36),
            Struct.newBuilder().putFields("name", Value.newBuilder().setStringValue("User " + i).build()).build());
        local.get(n).computeIfAbsent(room, k -> new ArrayList<>()).add(member);
        joins.add(nodes.get(n).join(room, member).toCompletableFuture());
        if (joins.size() == 2000) {
          CompletableFuture.allOf(joins.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
          joins.clear();
        }
      }
    }
    CompletableFuture.allOf(joins.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    long joinMs = (System.nanoTime() - joinStart) / 1_000_000;
    long after = info(port, "used_memory");
    int members = rooms * perRoom;
    System.out.printf("%s over %d nodes: used_memory +%,d bytes (%.0f bytes per member); %d joins in %d ms%n",
        name, NODES, after - before, (after - before) / (double) members, members, joinMs);

    // the steady state: every node refreshes all its members every refresh interval, one batch each
    long cmdsBefore = info(port, "total_commands_processed");
    long evalsBefore = evalshaCalls(port);
    double cpuBefore = infoDouble(port, "used_cpu_sys") + infoDouble(port, "used_cpu_user");
    long windowStart = System.nanoTime();
    long refreshNanos = 0;
    int batches = 0;
    while (System.nanoTime() - windowStart < TimeUnit.SECONDS.toNanos(windowS)) {
      long t = System.nanoTime();
      List<CompletableFuture<Void>> refreshes = new ArrayList<>();
      for (int n = 0; n < NODES; n++) refreshes.add(nodes.get(n).refresh(local.get(n)).toCompletableFuture());
      CompletableFuture.allOf(refreshes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      refreshNanos += System.nanoTime() - t;
      batches++;
      long sleep = refreshMs - (System.nanoTime() - t) / 1_000_000;
      if (sleep > 0) Thread.sleep(sleep);
    }
    double seconds = (System.nanoTime() - windowStart) / 1e9;
    long cmds = info(port, "total_commands_processed") - cmdsBefore;
    long evals = evalshaCalls(port) - evalsBefore;
    double cpu = infoDouble(port, "used_cpu_sys") + infoDouble(port, "used_cpu_user") - cpuBefore;
    System.out.printf("  steady state, refresh every %d ms, %.0f s window: %.1f commands/s (total_commands_processed), "
            + "%.1f script calls/s (EVALSHA), Redis CPU %.2f%% of a core; one refresh round (%d nodes in parallel) took %.1f ms on average%n",
        refreshMs, seconds, cmds / seconds, evals / seconds, 100 * cpu / seconds, NODES, refreshNanos / 1e6 / batches);
    for (Presence p : nodes) p.close();
    for (Broker b : brokers) b.close();
  }

  private static long info(int port, String field) {
    return (long) infoDouble(port, field);
  }

  private static double infoDouble(int port, String field) {
    String info = (String) Resp.call(port, "INFO", "all");
    for (String line : info.split("\r\n")) {
      if (line.startsWith(field + ":")) return Double.parseDouble(line.substring(field.length() + 1).trim());
    }
    throw new IllegalStateException("no " + field + " in INFO");
  }

  /** calls=N of cmdstat_evalsha. */
  private static long evalshaCalls(int port) {
    String info = (String) Resp.call(port, "INFO", "commandstats");
    for (String line : info.split("\r\n")) {
      if (line.startsWith("cmdstat_evalsha:")) {
        String calls = line.substring(line.indexOf("calls=") + 6);
        return Long.parseLong(calls.substring(0, calls.indexOf(',')));
      }
    }
    return 0;
  }
}
