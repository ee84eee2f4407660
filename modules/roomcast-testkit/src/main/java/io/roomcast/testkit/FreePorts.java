package io.roomcast.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free TCP ports on 127.0.0.1, never the same one twice in this JVM: the one free-port helper of
 * every test and benchmark (Redis fixtures, node processes, load balancers).
 */
public final class FreePorts {
  /** Ports handed out so far; a port freed by one fixture is not reused by the next. */
  private static final Set<Integer> given = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port nothing listens on now and that this JVM has not handed out before. */
  public static int next() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(false);
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // Redis Cluster's default bus port is port + 10000; staying below 55536 keeps it valid too.
      if (port < 55_536 && given.add(port)) return port;
    }
    throw new IllegalStateException("no free port on 127.0.0.1 after 100 attempts");
  }
}
