package io.roomcast.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A roomcast node as ops run it: the fat jar in its own JVM, on a free loopback port that stays the
 * same across restarts (a load balancer finds it again), and a management port ({@code /admin/*},
 * {@code /metrics}) on loopback, also free and fixed. The one node launcher of the end-to-end
 * tests and the benchmarks. Output goes to a log file kept for the report. Only the process started
 * here is ever signalled, by its own handle.
 */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  /** What every node started here runs with: no demo traffic, and room for a crowd from one loopback address. */
  private static final Map<String, String> BASE_ENV = Map.of(
      "ROOMCAST_DEMO_TICKER", "false",
      "ROOMCAST_CONNECTIONS_MAX_PER_ADDRESS", "19000");
  /**
   * A test cluster's node: every test client comes from 127.0.0.1 (through haproxy, whose
   * X-Forwarded-For the nodes trust), so the per-address limits that guard a public node would refuse
   * a test's crowd; a short drain keeps restarts quick.
   */
  private static final Map<String, String> CLUSTER_ENV = Map.of(
      "ROOMCAST_DRAIN_WINDOW", "2s",
      "ROOMCAST_PROXIES_TRUSTED", "127.0.0.1",
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_PER_SECOND", "10000",
      "ROOMCAST_CONNECTIONS_PER_ADDRESS_BURST", "10000");

  public final String name;
  public final int port;
  /** The management port: {@code /metrics} and {@code /admin/drain} (the public port answers 404 for them). */
  public final int managementPort;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path log;
  /** The running JVM; replaced by {@link #start()}. */
  private volatile Process process;

  /**
   * A node not started yet.
   *
   * @param jar the node's fat jar
   * @param jvmOptions options of its JVM; {@code {id}} stands for {@code name} (e.g. a JFR file per node)
   * @param args arguments after {@code --host 127.0.0.1 --port P --node-id name}, e.g. {@code --redis URI}
   * @param env environment variables on top of the defaults above
   * @param log where its output is appended
   */
  public NodeProcess(String name, String jar, List<String> jvmOptions, List<String> args, Map<String, String> env, Path log) {
    this.name = name;
    this.port = FreePorts.next();
    this.managementPort = FreePorts.next();
    this.log = log;
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : jvmOptions) cmd.add(option.replace("{id}", name));
    cmd.addAll(List.of("-jar", jar, "--host", "127.0.0.1", "--port", Integer.toString(port), "--node-id", name));
    cmd.addAll(args);
    this.command = List.copyOf(cmd);
    Map<String, String> all = new HashMap<>(BASE_ENV);
    all.putAll(env);
    all.put("ROOMCAST_MANAGEMENT_PORT", Integer.toString(managementPort));
    this.env = Map.copyOf(all);
  }

  /**
   * Starts a node of a test cluster and waits until it is ready: the jar named by the system property
   * {@code roomcast.jar}, a small JVM, the broker at {@code redisUri}, behind a trusted local proxy.
   */
  public static NodeProcess start(String name, String redisUri) {
    Path log;
    try {
      log = Files.createTempFile("roomcast-" + name + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String jar = System.getProperty("roomcast.jar");
    if (jar == null) throw new IllegalStateException("set the system property roomcast.jar to the node's fat jar");
    return new NodeProcess(name, jar, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        List.of("--redis", redisUri), CLUSTER_ENV, log).start();
  }

  /** (Re)starts the JVM on the same port and waits until /readyz answers 200. */
  public NodeProcess start() {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitReady(READY_TIMEOUT);
    return this;
  }

  /** Waits until /readyz answers 200 (e.g. again after its broker came back); fails at once if the node exited. */
  public void awaitReady(Duration timeout) {
    HttpRequest ready = HttpRequest.newBuilder(http("/readyz")).timeout(Duration.ofSeconds(2)).build();
    Poll.until(name + " answers /readyz", timeout, () -> {
      if (!process.isAlive()) throw new AssertionError(name + " exited: " + log());
      try {
        return HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException notYet) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    });
  }

  /** SIGKILL: a crash, no drain. Waits for the exit. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the node drains, then exits. Waits for the exit. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError(name + " did not exit after SIGTERM");
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** The running JVM's process id (for /proc readings). */
  public long pid() {
    return process.pid();
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public URI ws() {
    return URI.create("ws://127.0.0.1:" + port + "/ws");
  }

  public URI http(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** {@code host:port} of the management port, as a Prometheus target. */
  public String managementAddress() {
    return "127.0.0.1:" + managementPort;
  }

  /** {@code path} on the management port: {@code /metrics}, {@code /admin/drain}. */
  public URI management(String path) {
    return URI.create("http://127.0.0.1:" + managementPort + path);
  }

  /** Everything the node wrote so far, across restarts. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Kills the node if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (alive()) kill();
  }
}
