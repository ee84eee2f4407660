package io.roomcast.bench;

import io.roomcast.testkit.NodeProcess;
import io.roomcast.testkit.RawWebSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Connect cost: opens WebSocket connections to one node at a fixed rate (open loop), each a TCP
 * connect, the upgrade and the node's first frame ({@code connected}: the session is set up), and
 * prints the node's CPU per connect (utime + stime from /proc over the measured connects) and the
 * connect latency from the intended start. Connections stay open until the end, so the figure is the
 * connect alone; a first batch ({@code --warm}) is measured separately: it shows the cold cost.
 *
 * <p>Options: connects (5000 measured), warm (2000, before them), rate (1000/s), sources (4 loopback
 * addresses), threads (8 blocking client threads), subprotocol (roomcast.v1.proto), jar, jvm (node
 * JVM options), and {@code --env KEY=VALUE} for the node.
 */
public final class ConnectBench {
  private ConnectBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("connects", "5000", "warm", "2000", "rate", "1000", "sources", "4",
        "threads", "8", "subprotocol", "roomcast.v1.proto"));
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
    int connects = Integer.parseInt(o.get("connects"));
    int warm = Integer.parseInt(o.get("warm"));
    double rate = Double.parseDouble(o.get("rate"));
    List<String> sources = Clients.sourceAddresses(Integer.parseInt(o.get("sources")));
    List<String> jvm = List.of(o.get("jvm").trim().split("\\s+"));
    System.out.printf("connect: connects=%d warm=%d rate=%.0f/s env=%s jvm=%s%n", connects, warm, rate, env, jvm);
    System.out.printf("load average before: %s%n", Proc.loadAverage());

    List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(Integer.parseInt(o.get("threads")));
    try (Services services = new Services(Path.of("target", "bench-logs"))) {
      NodeProcess node = services.node("connect-0", o.get("jar"), jvm, null, env);
      Phase first = run(node, warm, rate, sources, o.get("subprotocol"), pool, open, 0);
      first.print("first " + warm + " (cold)", node);
      Phase measured = run(node, connects, rate, sources, o.get("subprotocol"), pool, open, warm);
      measured.print("next " + connects, node);
      System.out.printf("node RSS: %d MiB with %d connections open%n", Proc.rssKib(node.pid()) / 1024, open.size());
      System.out.printf("load average after: %s%n", Proc.loadAverage());
    } finally {
      pool.shutdownNow();
      for (Socket s : open) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  /** One batch of connects at {@code rate}, measured from its first intended start to its last connected frame. */
  private static Phase run(NodeProcess node, int n, double rate, List<String> sources, String subprotocol,
      ExecutorService pool, List<Socket> open, int offset) throws Exception {
    if (n == 0) return new Phase(0, 0, 0, new Histogram(3), 0);
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    byte[] handshake = RawWebSocket.handshakeFor(subprotocol, "/ws").getBytes(StandardCharsets.ISO_8859_1);
    List<Future<?>> done = new ArrayList<>(n);
    long cpuBefore = Proc.cpuNanos(node.pid());
    long start = System.nanoTime();
    int[] failed = new int[1];
    for (int k = 0; k < n; k++) {
      long intended = start + (long) (k * 1e9 / rate);
      long wait = intended - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      String from = sources.get((offset + k) % sources.size());
      done.add(pool.submit(() -> {
        try {
          Socket s = new Socket();
          s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port), 10_000);
          s.setSoTimeout(10_000);
          s.getOutputStream().write(handshake);
          DataInputStream in = new DataInputStream(s.getInputStream());
          if (!readHead(in).startsWith("HTTP/1.1 101")) throw new IOException("not upgraded");
          skipFrame(in); // connected: the session exists
          synchronized (latency) {
            latency.recordValue(Math.max(0, System.nanoTime() - intended));
          }
          open.add(s);
        } catch (IOException e) {
          synchronized (failed) {
            failed[0]++;
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) f.get();
    long elapsed = System.nanoTime() - start;
    long cpu = Proc.cpuNanos(node.pid()) - cpuBefore;
    return new Phase(n, elapsed, cpu, latency, failed[0]);
  }

  private record Phase(int n, long elapsedNanos, long cpuNanos, Histogram latency, int failed) {
    void print(String what, NodeProcess node) {
      if (n == 0) return;
      System.out.printf("%s connects in %.1f s (%.0f/s), %d failed: node CPU %.0f%% of a core, %.0f us per connect;"
              + " connect latency ms p50 %.2f p99 %.2f max %.2f%n",
          what, elapsedNanos / 1e9, n / (elapsedNanos / 1e9), failed, 100.0 * cpuNanos / elapsedNanos,
          cpuNanos / 1e3 / (n - failed), latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
          latency.getMaxValue() / 1e6);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new IOException("closed during the handshake");
      head.append((char) b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString();
  }

  private static void skipFrame(DataInputStream in) throws IOException {
    in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) len = in.readUnsignedShort();
    else if (len == 127) len = in.readLong();
    in.readFully(new byte[(int) len]);
  }
}
