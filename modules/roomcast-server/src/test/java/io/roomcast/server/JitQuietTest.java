package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JitQuietTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong compiledMs = new AtomicLong(1_000);
  private final JitQuiet jit = new JitQuiet(0, compiledMs::get);

  @Test
  void notQuietBeforeAWholeWindowHasPassed() {
    assertThat(jit.quiet(499 * MS)).isFalse();
  }

  @Test
  void quietAfterAWindowWithUnderFivePercentCompiling() {
    compiledMs.addAndGet(24); // 24 ms of 500
    assertThat(jit.quiet(500 * MS)).isTrue();
  }

  @Test
  void busyWindowIsNotQuietAndTheNextWindowIsJudgedOnItsOwn() {
    compiledMs.addAndGet(400);
    assertThat(jit.quiet(500 * MS)).isFalse();
    compiledMs.addAndGet(10);
    assertThat(jit.quiet(900 * MS)).as("a window not yet whole").isFalse();
    assertThat(jit.quiet(1_000 * MS)).isTrue();
  }

  @Test
  void aJvmThatDoesNotMeasureCompilationIsNeverQuiet() {
    JitQuiet unmeasured = new JitQuiet(0, null);
    assertThat(unmeasured.quiet(10_000 * MS)).isFalse();
    assertThat(unmeasured.compiledMillis()).isZero();
  }
}
