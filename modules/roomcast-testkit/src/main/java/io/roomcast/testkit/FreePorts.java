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
 */
public final class FreePorts {
  private static final int LOWEST = 10_000;
  /** Below this, {@code port + 10000} (the Cluster bus port) stays out of the ephemeral range. */
  private static final int BELOW = ephemeralLow() - 10_000;
  /** Ports handed out so far; a port freed by one fixture is not reused by the next. */
  private static final Set<Integer> given = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port nothing is bound to now (on any address) and that this JVM has not handed out before. */
  public static int next() {
    if (BELOW <= LOWEST + 1000) throw new IllegalStateException("the ephemeral port range starts too low for FreePorts: " + ephemeralLow());
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, BELOW);
      if (given.contains(port) || !bindable(port)) continue;
      if (given.add(port)) return port;
    }
    throw new IllegalStateException("no free port in " + LOWEST + "-" + BELOW + " after 1000 attempts");
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
