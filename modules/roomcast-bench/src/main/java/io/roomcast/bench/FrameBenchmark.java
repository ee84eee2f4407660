package io.roomcast.bench;

import com.google.protobuf.ByteString;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.v1.ClientFrame;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.ServerFrame;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
 * Frame codecs on the hot paths: encoding a 100-byte message (once per node per publication),
 * decoding a client's batch of 20 publishes, and the JSON mapping for comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameBenchmark {
  private ServerFrame message;
  private byte[] publishBatch;

  @Setup
  public void setUp() {
    message = ServerFrame.newBuilder().setMessage(Message.newBuilder().setRoom("room-1").setData(ByteString.copyFrom(new byte[100]))
        .setOffset(123456).setEpoch("k3x9").setTimeMs(1_790_000_000_000L)).build();
    ByteArrayOutputStream batch = new ByteArrayOutputStream();
    for (int i = 0; i < 20; i++) batch.writeBytes(Wire.publish("room-1", System.nanoTime(), i, 100));
    publishBatch = batch.toByteArray();
  }

  @Benchmark
  public byte[] encodeMessageProto() {
    return BinaryFrames.encode(message);
  }

  @Benchmark
  public byte[] encodeMessageJson() {
    return JsonFrames.encode(message);
  }

  @Benchmark
  public int decodeTwentyPublishes() throws Exception {
    return BinaryFrames.decode(ByteBuffer.wrap(publishBatch), ClientFrame.parser(), 100).size();
  }
}
