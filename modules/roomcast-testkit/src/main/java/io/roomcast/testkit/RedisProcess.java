package io.roomcast.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One redis-server (or sentinel) process from the installed binary, on its own port and directory,
 * with no persistence unless the caller configures it. Only processes started here are ever signalled,
 * by their own handle; a JVM shutdown hook kills any still running.
 */
final class RedisProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  /** Every process started by this JVM and not yet stopped; killed at JVM exit. */
  private static final Set<Process> running = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> running.forEach(Process::destroyForcibly), "redis-process-reaper"));
  }

  private final String name;
  private final int port;
  private final Path dir;
  private final List<String> command;
  /** The current process; null before the first start. Touched by the test thread only. */
  private Process process;

  /**
   * @param config lines of a redis.conf written to the directory; port, bind, dir and logfile are added
   * @param sentinel whether to run it as a sentinel
   */
  RedisProcess(String name, Path dir, int port, List<String> config, boolean sentinel) {
    this.name = name;
    this.port = port;
    this.dir = dir;
    List<String> lines = new ArrayList<>(List.of(
        "port " + port,
        "bind 127.0.0.1",
        "protected-mode no",
        "dir " + dir,
        "logfile " + dir.resolve("redis.log"),
        "daemonize no"));
    // DEBUG SLEEP lets tests freeze a server; the server listens on loopback only
    if (!sentinel) lines.addAll(List.of("save \"\"", "appendonly no", "enable-debug-command yes"));
    lines.addAll(config);
    Path conf = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
    try {
      Files.createDirectories(dir);
      Files.write(conf, lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.command = sentinel ? List.of(binary(), conf.toString(), "--sentinel") : List.of(binary(), conf.toString());
  }

  int port() {
    return port;
  }

  String name() {
    return name;
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Starts the server and waits until it answers PING. */
  void start() {
    if (alive()) throw new IllegalStateException(name + " is already running");
    try {
      process = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0) + " (apt-get install -y redis-server redis-tools)", e);
    }
    running.add(process);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!Resp.pings(port)) {
      if (!process.isAlive()) throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + logTail());
      if (System.nanoTime() > deadline) {
        kill();
        throw new IllegalStateException(name + " did not answer PING on port " + port + " within " + START_TIMEOUT + ": " + logTail());
      }
      pause(20);
    }
  }

  /** SIGKILL: the server gets no chance to save or say goodbye. */
  void kill() {
    if (process == null) return;
    process.destroyForcibly();
    waitFor(process);
  }

  /**
   * Sends {@code STOP} or {@code CONT} to the process (only ever this fixture's own, by its pid): a
   * stopped server keeps its sockets open and answers nothing, as a frozen or partitioned one would.
   */
  void signal(String signal) {
    if (!alive()) throw new IllegalStateException(name + " is not running");
    if (!signal.equals("STOP") && !signal.equals("CONT")) throw new IllegalArgumentException("STOP or CONT: " + signal);
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) throw new IllegalStateException("kill -" + signal + " failed");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * BGSAVE, and waits until the snapshot is on disk: what the server comes back with after a
   * {@link #kill()} and {@link #start()}, whatever it acknowledged after this call.
   */
  void snapshot() {
    long before = (Long) call("LASTSAVE");
    // LASTSAVE has a resolution of a second: make sure the new one is later
    Poll.until(name + "'s clock passes its last save", Duration.ofSeconds(3), () -> System.currentTimeMillis() / 1000 > before);
    Poll.until(name + " starts a BGSAVE", START_TIMEOUT, () -> {
      try {
        call("BGSAVE");
        return true;
      } catch (Resp.Error inProgress) {
        return false; // another save or an AOF rewrite is running
      }
    });
    Poll.until(name + " finishes its BGSAVE", START_TIMEOUT, () -> (Long) call("LASTSAVE") > before
        && ((String) call("INFO", "persistence")).contains("rdb_bgsave_in_progress:0"));
  }

  /** SIGTERM, then SIGKILL if it takes too long. */
  void stop() {
    if (process == null) return;
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    waitFor(process);
  }

  Object call(Object... args) {
    return Resp.call(port, args);
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("redis.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void waitFor(Process p) {
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("redis-server pid " + p.pid() + " did not exit");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running.remove(p);
  }

  static String binary() {
    String configured = System.getProperty("roomcast.redis.binary");
    if (configured != null && !configured.isBlank()) return configured;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) return candidate.toString();
    }
    throw new IllegalStateException("redis-server not found on PATH: apt-get install -y redis-server redis-tools"
        + " (or set -Droomcast.redis.binary=/path/to/redis-server)");
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis); // polling interval of a bounded wait, not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
