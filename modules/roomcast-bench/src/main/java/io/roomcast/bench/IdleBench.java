package io.roomcast.bench;

import io.roomcast.testkit.NodeProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idle-connection benchmark: how much a connection that only sits in a room costs a node. Opens
 * connections in steps (e.g. 5000, 10000, 19000 on one node; or 100000 over several nodes), each
 * subscribed to room "idle", and at each step prints every node's resident memory and heap after
 * a full GC, per connection above the node's empty baseline; then publishes one message to the
 * room on every node and times how long until every connection has it (a node that cannot answer
 * fails the run). Connections come from child processes of at most 19,000 each (this machine allows
 * 20,000 files per process) and from several loopback source addresses.
 *
 * <p>Options: nodes (1), steps (5000,10000,19000: total connections after each step), sources (8),
 * per-child (19000), jar, jvm (node JVM options), hold (seconds to keep everything up at the end, 0).
 */
public final class IdleBench {
  private IdleBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child")) {
      child(Integer.parseInt(args[1]));
      return;
    }
    Map<String, String> o = new HashMap<>(Map.of("nodes", "1", "steps", "5000,10000,19000", "sources", "8", "per-child", "19000"));
    o.put("jar", "modules/roomcast-server/target/roomcast-server.jar");
    // Tuned for many idle connections: a small fixed young generation (RSS follows the live heap) and a heap that grows only as needed.
    o.put("jvm", "-Xms8m -Xmx512m -Xmn8m -XX:+UseSerialGC -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10 -XX:MaxMetaspaceSize=64m -Xss512k");
    for (int i = 0; i < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    int nodes = Integer.parseInt(o.get("nodes"));
    int perChild = Integer.parseInt(o.get("per-child"));
    int sources = Integer.parseInt(o.get("sources"));
    List<Integer> steps = new ArrayList<>();
    for (String s : o.get("steps").split(",")) steps.add(Integer.parseInt(s.trim()));
    List<String> jvm = List.of(o.get("jvm").trim().split("\\s+"));
    System.out.printf("idle: nodes=%d steps=%s node JVM: %s%nload average before: %s%n", nodes, steps, o.get("jvm"), Proc.loadAverage());

    try (Services services = new Services(Path.of("target", "bench-logs"))) {
      List<NodeProcess> started = new ArrayList<>();
      for (int i = 0; i < nodes; i++) started.add(services.node("idle-" + i, o.get("jar"), jvm, null, Map.of()));
      long[] baseRss = new long[nodes];
      long[] baseHeap = new long[nodes];
      for (int i = 0; i < nodes; i++) {
        publish(started.get(i).port, "warm-up"); // loads the publish path's classes before the baseline
        baseHeap[i] = gcAndHeapUsedKib(started.get(i).pid());
        baseRss[i] = Proc.rssKib(started.get(i).pid());
        System.out.printf("node %d (pid %d): empty: RSS %d KiB, heap used %d KiB%n", i, started.get(i).pid(), baseRss[i], baseHeap[i]);
      }
      List<Child> children = new ArrayList<>();
      int[] perNode = new int[nodes];
      long[] lastRss = new long[nodes];
      long[] lastHeap = new long[nodes];
      int[] lastCount = new int[nodes];
      int opened = 0;
      for (int step : steps) {
        // Open step - opened more, spread evenly over the nodes, in children of at most perChild each.
        int toOpen = step - opened;
        for (int k = 0; k < toOpen; k++) {
          int node = (opened + k) % nodes;
          perNode[node]++;
        }
        int remaining = toOpen;
        while (remaining > 0) {
          Child c = children.isEmpty() || children.get(children.size() - 1).connections >= perChild ? null : children.get(children.size() - 1);
          if (c == null) {
            c = new Child(children.size(), sources);
            children.add(c);
          }
          int n = Math.min(remaining, perChild - c.connections);
          // The child's n connections go round-robin over the nodes.
          c.open(started, n, opened + (toOpen - remaining));
          remaining -= n;
        }
        opened = step;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        long subscribed = 0;
        long failed = 0;
        while (System.nanoTime() < deadline) {
          subscribed = children.stream().mapToLong(Child::subscribed).sum();
          failed = children.stream().mapToLong(Child::closed).sum();
          if (subscribed + failed >= opened) break;
          Thread.sleep(200);
        }
        if (subscribed < opened) {
          System.out.printf("only %d of %d connections subscribed (%d failed or closed)%n", subscribed, opened, failed);
        }

        System.out.printf("%n%d connections (%s per node), load average %s%n", opened, java.util.Arrays.toString(perNode), Proc.loadAverage());
        for (int i = 0; i < nodes; i++) {
          long heap = gcAndHeapUsedKib(started.get(i).pid());
          long rss = Proc.rssKib(started.get(i).pid());
          String marginal = lastRss[i] == 0 ? "" : String.format("; since the last step %+.2f KiB RSS, %+.2f KiB heap per connection",
              (rss - lastRss[i]) / (double) (perNode[i] - lastCount[i]), (heap - lastHeap[i]) / (double) (perNode[i] - lastCount[i]));
          System.out.printf("  node %d: RSS %d MiB (%+.2f KiB per connection), heap used %d MiB (%+.2f KiB per connection)%s%n", i,
              rss / 1024, (rss - baseRss[i]) / (double) perNode[i], heap / 1024, (heap - baseHeap[i]) / (double) perNode[i], marginal);
          lastRss[i] = rss;
          lastHeap[i] = heap;
          lastCount[i] = perNode[i];
        }
        long before = children.stream().mapToLong(Child::messages).sum();
        long t0 = System.nanoTime();
        for (NodeProcess n : started) publish(n.port, "are you there?");
        long want = before + subscribed; // each subscribed connection gets the one message of its node
        long reachDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long got;
        while ((got = children.stream().mapToLong(Child::messages).sum()) < want && System.nanoTime() < reachDeadline) Thread.sleep(5);
        System.out.printf("  a publish on every node reached %d of %d subscribed connections in %.0f ms (closed: %d)%n",
            got - before, subscribed, (System.nanoTime() - t0) / 1e6, children.stream().mapToLong(Child::closed).sum());
      }
      long hold = Long.parseLong(o.getOrDefault("hold", "0"));
      if (hold > 0) {
        System.out.printf("holding for %d s (node PIDs %s) for inspection, e.g. jcmd PID GC.class_histogram%n", hold,
            started.stream().map(n -> Long.toString(n.pid())).toList());
        Thread.sleep(hold * 1000);
      }
      for (Child c : children) c.close();
    }
  }

  /** Publishes to room "idle" of the node on {@code port} through the HTTP API (binary: the clients count data messages). */
  private static void publish(int port, String text) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/rooms/idle/messages"))
        .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(
            java.util.Arrays.copyOf(text.getBytes(StandardCharsets.UTF_8), 16))).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) throw new IllegalStateException("publish answered " + r.statusCode() + ": " + r.body());
  }

  /** Runs a full GC in the node (jcmd GC.run) and returns its heap in use afterwards, in KiB. */
  private static long gcAndHeapUsedKib(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    long used = 0;
    for (String line : info.split("\n")) {
      var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(line);
      if (m.find() && (line.contains("total") || line.contains("Metaspace"))) {
        if (!line.contains("Metaspace") && !line.contains("class space")) used += Long.parseLong(m.group(1));
      }
    }
    return used;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /** A child process holding connections; answers "count" with "subscribed messages closed". */
  private static final class Child implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final PrintStream in;
    int connections;

    Child(int index, int sources) throws Exception {
      process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g", "-cp", System.getProperty("java.class.path"), IdleBench.class.getName(), "child", Integer.toString(sources),
          Integer.toString(index))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    void open(List<NodeProcess> nodes, int n, int firstIndex) {
      StringBuilder ports = new StringBuilder();
      for (NodeProcess node : nodes) ports.append(ports.length() == 0 ? "" : ",").append(node.port);
      in.println("open " + ports + " " + n + " " + firstIndex);
      connections += n;
    }

    synchronized long[] count() throws Exception {
      in.println("count");
      String[] f = out.readLine().split(" ");
      return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    long subscribed() {
      try {
        return count()[0];
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    long messages() {
      try {
        return count()[1];
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    long closed() {
      try {
        return count()[2];
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() throws Exception {
      in.println("exit");
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
  }

  /** The child's side: opens connections as told, and reports counts. */
  private static void child(int sources) throws Exception {
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<String> addresses = null;
    try (Clients clients = new Clients(1)) {
      String line;
      while ((line = commands.readLine()) != null) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "open" -> {
            if (addresses == null) addresses = Clients.sourceAddresses(sources);
            String[] ports = f[1].split(",");
            int n = Integer.parseInt(f[2]);
            int first = Integer.parseInt(f[3]);
            for (int k = 0; k < n; k++) {
              int index = first + k;
              clients.open(addresses.get(index % addresses.size()), Integer.parseInt(ports[index % ports.length]), "idle", false);
              if (k % 50 == 49) Thread.sleep(50); // about 1,000 a second per child: no node overflows its accept backlog
            }
          }
          case "count" -> System.out.println(clients.subscribed.get() + " " + clients.messages() + " "
              + (clients.closed.get() + clients.failedBeforeSubscribed.size()));
          case "exit" -> {
            return;
          }
          default -> throw new IllegalArgumentException(line);
        }
      }
    }
  }
}
