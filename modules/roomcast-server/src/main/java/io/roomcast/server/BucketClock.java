package io.roomcast.server;

import io.github.bucket4j.TimeMeter;
import java.util.function.LongSupplier;

/** Bucket4j's clock from a nanosecond source, so the server's rate limiters can run on a test's clock. */
final class BucketClock {
  private BucketClock() {}

  static TimeMeter of(LongSupplier nanoClock) {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanoClock.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
  }
}
