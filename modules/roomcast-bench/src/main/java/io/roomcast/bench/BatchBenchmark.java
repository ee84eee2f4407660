package io.roomcast.bench;

import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.core.WireFrame;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.server.FrameDeflater;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Building one outbound WebSocket message: the plain batch of 32 shared frames as Undertow gathers
 * it (one copy), the compressed batch from frames compressed once per node (chunks and stored
 * blocks, no compression in the loop), and compressing one 1 KiB JSON frame (paid once per node).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchBenchmark {
  private final FrameDeflater deflater = new FrameDeflater(6, 256);
  private List<byte[]> frames;
  private List<WireFrame> wire;
  private byte[] json;

  @Setup
  public void setUp() {
    frames = new ArrayList<>();
    wire = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      Publication p = new Publication("room", Payload.text(("{\"price\": " + i + ", \"symbol\": \"ACME\"} ").repeat(i % 2 == 0 ? 20 : 2)), i + 1, "e", 0);
      byte[] encoded = JsonFrames.encode(ServerFrame.newBuilder().setMessage(p.toMessage()).build());
      frames.add(encoded);
      wire.add(WireFrame.shared(encoded));
    }
    deflater.message(wire); // compresses each frame once, into its slot, as the first subscriber's write does
    json = frames.get(0);
  }

  @Benchmark
  public int plainBatchGathered() {
    int n = 0;
    for (byte[] f : frames) n += f.length;
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] f : frames) {
      System.arraycopy(f, 0, out, at, f.length);
      at += f.length;
    }
    return out.length;
  }

  @Benchmark
  public List<byte[]> compressedBatchFromSharedChunks() {
    return deflater.message(wire);
  }

  @Benchmark
  public byte[] compressOneKibJsonFrame() {
    return deflater.compress(json);
  }
}
