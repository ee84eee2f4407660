package io.roomcast.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node sends to its clients, beyond the queue limits of {@link SessionLimits}.
 *
 * @param slowConsumer what happens to a client whose outbound queue is full
 * @param writeDelay how long each I/O thread gathers publications before fanning them out, so that
 *     every client gets them in one WebSocket message; zero fans out at once (frames still batch behind
 *     a write in flight, and publications that arrive while the thread is busy leave together)
 */
public record Outbound(SlowConsumerPolicy slowConsumer, Duration writeDelay) {
  public static final Duration DEFAULT_WRITE_DELAY = Duration.ZERO;
  public static final Duration MAX_WRITE_DELAY = Duration.ofSeconds(1);

  public Outbound {
    Objects.requireNonNull(slowConsumer, "slowConsumer");
    Objects.requireNonNull(writeDelay, "writeDelay");
    if (writeDelay.isNegative()) throw new IllegalArgumentException("writeDelay must not be negative: " + writeDelay);
    if (writeDelay.compareTo(MAX_WRITE_DELAY) > 0) {
      throw new IllegalArgumentException("writeDelay must not exceed " + MAX_WRITE_DELAY + ": " + writeDelay);
    }
  }

  public static Outbound defaults() {
    return new Outbound(SlowConsumerPolicy.DISCONNECT, DEFAULT_WRITE_DELAY);
  }

  public Outbound withSlowConsumer(SlowConsumerPolicy policy) {
    return new Outbound(policy, writeDelay);
  }

  public Outbound withWriteDelay(Duration delay) {
    return new Outbound(slowConsumer, delay);
  }
}
