package io.roomcast.bench;

import io.roomcast.testkit.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of the Node.js baseline ({@code baseline/server.js}: ws + ioredis, pinned in its
 * package-lock.json) on a free loopback port, its output appended to a log. Only this process is
 * ever signalled, by its own handle.
 */
final class BaselineProcess {
  /** The server's port on 127.0.0.1. */
  final int port;
  private final Process process;

  private BaselineProcess(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  /** Starts {@code dir/server.js} against Redis at {@code redisUri} and waits until it listens. */
  static BaselineProcess start(Path dir, String redisUri, Path log) throws Exception {
    int port = FreePorts.next();
    Process p = new ProcessBuilder("node", "server.js", "--host", "127.0.0.1", "--port", Integer.toString(port), "--redis", redisUri)
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    BaselineProcess started = new BaselineProcess(port, p);
    try {
      Services.awaitPort(port, p, Duration.ofSeconds(20));
    } catch (Exception e) {
      started.stop();
      throw e;
    }
    return started;
  }

  long pid() {
    return process.pid();
  }

  /** SIGTERM, then SIGKILL after 10 s. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }

  /** Runs {@code npm ci} in {@code dir} unless its pinned dependencies are installed already. */
  static void install(Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(dir.resolve("server.js"))) throw new IllegalStateException("no baseline in " + dir.toAbsolutePath());
    boolean installed = List.of("ws", "ioredis").stream().allMatch(m -> Files.isRegularFile(dir.resolve("node_modules").resolve(m).resolve("package.json")));
    if (installed) return;
    System.out.println("baseline: npm ci in " + dir);
    Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile()).inheritIO().start();
    if (!npm.waitFor(5, TimeUnit.MINUTES)) {
      npm.destroyForcibly();
      throw new IllegalStateException("npm ci did not finish in 5 minutes");
    }
    if (npm.exitValue() != 0) throw new IllegalStateException("npm ci failed with " + npm.exitValue());
  }
}
