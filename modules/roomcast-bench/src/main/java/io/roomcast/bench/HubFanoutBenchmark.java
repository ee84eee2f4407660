package io.roomcast.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Connection;
import io.roomcast.core.Disconnect;
import io.roomcast.core.MemoryBroker;
import io.roomcast.core.Node;
import io.roomcast.core.NodeConfig;
import io.roomcast.core.Payload;
import io.roomcast.core.WireFrame;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.WireFormat;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Subscribe;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's cost per delivery, without sockets: one publication through the in-memory broker to
 * a room of {@code subscribers} sessions on one shard, each on a connection whose writes complete at
 * once (so every delivery takes the whole path: shard drain, subscription checks, queue, write call).
 * The score is per delivery.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HubFanoutBenchmark {
  @Param({"1000"})
  int subscribers;

  private Node node;
  private MemoryBroker broker;
  private Payload payload;
  private long writes;

  /** Runs tasks at once, on the caller: one thread plays the I/O thread. */
  private static final Executor DIRECT = Runnable::run;

  @Setup(Level.Trial)
  public void start() {
    broker = new MemoryBroker();
    node = Node.start(NodeConfig.defaults("bench"), broker, new SimpleMeterRegistry());
    byte[] subscribe = BinaryFrames.encode(ClientFrame.newBuilder().setId(1).setSubscribe(Subscribe.newBuilder().setRoom("room")).build());
    for (int i = 0; i < subscribers; i++) node.accept(new InstantConnection()).onBinary(ByteBuffer.wrap(subscribe));
    payload = Payload.binary(new byte[100]);
  }

  @TearDown(Level.Trial)
  public void stop() {
    node.close();
  }

  @Benchmark
  @OperationsPerInvocation(1000)
  public long publishToARoomOfSubscribers() {
    broker.publish("room", payload);
    return writes;
  }

  /** A connection whose every write completes at once. */
  private final class InstantConnection implements Connection {
    @Override public Executor executor() { return DIRECT; }
    @Override public WireFormat format() { return WireFormat.PROTO; }
    @Override public String remoteAddress() { return "bench"; }
    @Override public void write(List<WireFrame> frames, WriteCompletion done) {
      writes += frames.size();
      done.done(null);
    }
    @Override public void schedule(Runnable task, long delayMillis) { }
    @Override public void close(Disconnect disconnect, byte[] lastFrame) { }
  }
}
