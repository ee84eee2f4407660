package io.roomcast.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports, never the same one twice in this JVM: the one free-port helper of every test and
 * benchmark (Redis fixtures, node processes, load balancers).
 *
 * <p>Ports are drawn below the kernel's ephemeral range ({@code ip_local_port_range}, 32768-60999
 * here). A port from that range (what binding port 0 gives) can be taken, between the moment a test
 * picks it and the moment its server process binds it, by any outgoing connection on the machine as
 * its source port — CI saw a node fail with "Address already in use" that way. The kernel never
 * hands out a port below the range on its own, so only another explicit bind can take one of ours.
 * The range also keeps a Redis Cluster node's bus port (port + 10000) below the ephemeral range.
 *
 * <p>Test JVMs that run side by side (failsafe's {@code forkCount}) each draw from their own slice of
 * the range, {@code -Droomcast.fork=k} of {@code -Droomcast.forks=n} (k from 1): a port one of them
 * freed only for a while (a server killed, to be started again on it) is never another's pick.
 */
public final class FreePorts {
  private static final int LOWEST = 10_000;
  /** Below this, {@code port + 10000} (the Cluster bus port) stays out of the ephemeral range. */
  private static final int BELOW = ephemeralLow() - 10_000;
  /** This JVM's part of the range: [low, high). */
  private static final int[] SLICE = slice(LOWEST, BELOW);
  /** Ports handed out so far; a port freed by one fixture is not reused by the next. */
  private static final Set<Integer> given = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port nothing is bound to now (on any address) and that this JVM has not handed out before. */
  public static int next() {
    if (BELOW <= LOWEST + 1000) throw new IllegalStateException("the ephemeral port range starts too low for FreePorts: " + ephemeralLow());
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(SLICE[0], SLICE[1]);
      if (given.contains(port) || !bindable(port)) continue;
      if (given.add(port)) return port;
    }
    throw new IllegalStateException("no free port in " + LOWEST + "-" + BELOW + " after 1000 attempts");
  }

  /** The k-th of n equal parts of [low, high) when {@code roomcast.fork} and {@code roomcast.forks} say so; else all of it. */
  static int[] slice(int low, int high) {
    try {
      int forks = Integer.parseInt(System.getProperty("roomcast.forks", "1").trim());
      int fork = Integer.parseInt(System.getProperty("roomcast.fork", "1").trim());
      if (forks <= 1 || fork < 1 || fork > forks) return new int[] {low, high};
      int size = (high - low) / forks;
      return new int[] {low + (fork - 1) * size, low + fork * size};
    } catch (NumberFormatException unset) {
      return new int[] {low, high};
    }
  }

  /** Whether a server could bind {@code port} on the wildcard address now (which fails if any socket holds it). */
  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The first port of the kernel's ephemeral range; Linux's default when it cannot be read. */
  private static int ephemeralLow() {
    // A reader, not Files.readString: procfs reports a size that makes readString return one byte.
    try (var in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      return Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
