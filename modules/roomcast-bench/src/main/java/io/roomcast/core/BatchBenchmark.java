package io.roomcast.core;

import io.roomcast.protocol.WireFormat;
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
  private List<byte[]> chunks;
  private byte[] json;

  @Setup
  public void setUp() {
    frames = new ArrayList<>();
    chunks = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      OutboundFrame f = OutboundFrame.message(new Publication("room", Payload.text(("{\"price\": " + i + ", \"symbol\": \"ACME\"} ").repeat(i % 2 == 0 ? 20 : 2)), i + 1, "e", 0));
      frames.add(f.encoded(WireFormat.JSON));
      chunks.add(f.deflated(WireFormat.JSON, deflater));
    }
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
    return FrameDeflater.message(frames, chunks);
  }

  @Benchmark
  public byte[] compressOneKibJsonFrame() {
    return deflater.compress(json);
  }
}
