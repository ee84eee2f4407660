package io.roomcast.core;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ServerFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * A transport stand-in: records what the core writes, decoded back into frames, and can stall
 * writes the way a client that stops reading does. Write completions run later on the executor,
 * as they do in Undertow, and timers run on the test's {@link Scheduler}.
 */
public final class FakeConnection implements Connection {
  private final Executor executor;
  private final WireFormat format;
  private final Scheduler scheduler;
  /** Every frame written, in order. */
  public final List<ServerFrame> frames = new CopyOnWriteArrayList<>();
  /** Every frame written, as the core handed it over (shared room messages are one object per node). */
  public final List<WireFrame> wire = new CopyOnWriteArrayList<>();
  /** Frames per WebSocket message written, in order. */
  public final List<Integer> batches = new CopyOnWriteArrayList<>();
  /** The disconnect the core closed with, if it did. */
  public volatile Disconnect closedWith;
  /** Whether writes complete; a stalled write completes on {@link #resume()}. Touched on the executor. */
  private boolean stalled;
  private Connection.WriteCompletion pending;

  public FakeConnection(Executor executor, WireFormat format, Scheduler scheduler) {
    this.executor = executor;
    this.format = format;
    this.scheduler = scheduler;
  }

  @Override
  public Executor executor() {
    return executor;
  }

  @Override
  public WireFormat format() {
    return format;
  }

  @Override
  public String remoteAddress() {
    return "fake";
  }

  @Override
  public void write(List<WireFrame> encoded, WriteCompletion done) {
    int before = frames.size();
    wire.addAll(encoded);
    for (WireFrame b : encoded) frames.addAll(decode(b.bytes()));
    batches.add(frames.size() - before);
    written();
    if (stalled) {
      pending = done;
    } else {
      executor.execute(() -> done.done(null));
    }
  }

  /** Runs {@code task} on the executor when the test's scheduler says {@code delayMillis} passed. */
  @Override
  public void schedule(Runnable task, long delayMillis) {
    scheduler.schedule(() -> executor.execute(task), delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public void close(Disconnect disconnect, byte[] lastFrame) {
    if (lastFrame != null) frames.addAll(decode(lastFrame));
    closedWith = disconnect;
    written();
  }

  /**
   * For the few tests on real threads: waits until {@code condition} holds, woken by each write (no
   * polling); the limit only turns a hang into a failure.
   */
  public synchronized void awaitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("condition not met in 30 s; frames: " + frames);
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private synchronized void written() {
    notifyAll();
  }

  /** From now on, writes do not complete (call on the executor, or before any traffic). */
  public void stall() {
    stalled = true;
  }

  /** Completes the stalled write and lets later ones complete. */
  public void resume() {
    executor.execute(() -> {
      stalled = false;
      WriteCompletion p = pending;
      pending = null;
      if (p != null) p.done(null);
    });
  }

  public List<ServerFrame> framesOf(ServerFrame.KindCase kind) {
    List<ServerFrame> out = new ArrayList<>();
    for (ServerFrame f : frames) if (f.getKindCase() == kind) out.add(f);
    return out;
  }

  private List<ServerFrame> decode(byte[] b) {
    try {
      return format == WireFormat.PROTO
          ? BinaryFrames.decode(ByteBuffer.wrap(b), ServerFrame.parser(), Integer.MAX_VALUE)
          : JsonFrames.decode(new String(b, StandardCharsets.UTF_8), ServerFrame.getDefaultInstance(), Integer.MAX_VALUE);
    } catch (MalformedFrameException e) {
      throw new AssertionError("the core wrote an undecodable frame", e);
    }
  }
}
