package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar roomcast-server.jar --port 8080}: runs one node until SIGTERM or SIGINT. */
@Command(name = "roomcast-server", mixinStandardHelpOptions = true, version = "roomcast 0.1.0",
    description = "Runs a roomcast node. Every setting also has an environment variable and a config file key: "
        + "see docs/configuration.md.")
public final class Main implements Callable<Integer> {
  /** The exit status of a node that did not start because of its configuration; the reason is one line on stderr. */
  static final int BAD_CONFIGURATION = 2;

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (env ROOMCAST_PORT; default 8080).")
  Integer port;

  @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (env ROOMCAST_HOST; default 0.0.0.0).")
  String host;

  @Option(names = "--redis", paramLabel = "URI",
      description = "Redis URI of the cluster (env ROOMCAST_REDIS; default none: in-memory broker, single node).")
  String redis;

  @Option(names = "--node-id", paramLabel = "NAME", description = "This node's name (env ROOMCAST_NODE_ID; default host-pid).")
  String nodeId;

  @Option(names = "--config", paramLabel = "FILE", description = "A HOCON or JSON config file (env ROOMCAST_CONFIG).")
  Path config;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> flags = new HashMap<>();
    if (port != null) flags.put("roomcast.port", port.toString());
    if (host != null) flags.put("roomcast.host", host);
    if (redis != null) flags.put("roomcast.redis", redis);
    if (nodeId != null) flags.put("roomcast.node-id", nodeId);
    Path file = config != null ? config
        : Optional.ofNullable(System.getenv("ROOMCAST_CONFIG")).map(Path::of).orElse(null);
    ServerConfig cfg;
    MeterRegistry registry = Metrics.prometheus();
    Broker broker;
    try {
      cfg = ConfigLoader.load(Optional.ofNullable(file), flags, System.getenv());
      broker = Brokers.forConfig(cfg.broker(), registry); // the broker's own checks, should the loader's miss one
    } catch (IllegalArgumentException e) {
      System.err.println("roomcast-server: bad configuration: " + e.getMessage());
      return BAD_CONFIGURATION;
    }
    // Every log line names its node (the %property{node} of the plain pattern, a "node" field in JSON).
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logs) {
      logs.putProperty("node", cfg.node().nodeId());
    }
    RoomcastServer server = RoomcastServer.start(cfg, broker, registry);
    // SIGTERM drains first: clients are sent away over the drain window, then the node stops.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.drain().join();
      server.close();
      Logs.stop(); // writes out what the async appender still queues
    }, "roomcast-shutdown"));
    server.drained().join(); // an admin drain also ends the process, once every client is gone
    server.close();
    Logs.stop();
    return 0;
  }
}
