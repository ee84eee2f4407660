package io.roomcast.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Bounded waits of the fixtures, and cleaning up their directories. */
final class Poll {
  private Poll() {}

  /** Polls {@code condition} (exceptions count as false) until it holds, or fails after {@code timeout}. */
  static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) return;
      } catch (RuntimeException e) {
        last = e;
      }
      RedisProcess.pause(50);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting until " + what
        + (last == null ? "" : " (last error: " + last.getMessage() + ")"), last);
  }

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp directory is not worth failing a test for
    }
  }
}
