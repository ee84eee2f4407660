package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.JsonFrames;
import io.roomcast.protocol.MalformedFrameException;
import io.roomcast.protocol.v1.ClientFrame;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Coverage-guided fuzzing of what a client's bytes go through first: splitting a message into its
 * length-delimited frames, protobuf decoding, and the JSON mapping. Every input either decodes or is
 * refused with {@link MalformedFrameException}; anything else (another exception, a hang, a decoded
 * batch that does not survive a round trip) is a finding. In the normal test run this replays the
 * seeds in FramesFuzzTestInputs/; README's "Fuzzing" section runs it for minutes.
 */
class FramesFuzzTest {
  private static final int MAX_FRAMES = 100;

  @FuzzTest(maxDuration = "10m")
  void binaryMessagesDecodeOrAreRefused(byte[] message) {
    List<ClientFrame> frames;
    try {
      frames = BinaryFrames.decode(ByteBuffer.wrap(message), ClientFrame.parser(), MAX_FRAMES);
    } catch (MalformedFrameException refused) {
      return;
    }
    assertThat(frames).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_FRAMES);
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    for (ClientFrame f : frames) again.writeBytes(BinaryFrames.encode(f));
    try {
      assertThat(BinaryFrames.decode(ByteBuffer.wrap(again.toByteArray()), ClientFrame.parser(), MAX_FRAMES)).isEqualTo(frames);
    } catch (MalformedFrameException e) {
      throw new AssertionError("a decoded batch does not decode again after encoding", e);
    }
  }

  @FuzzTest(maxDuration = "10m")
  void jsonMessagesDecodeOrAreRefused(FuzzedDataProvider data) {
    String message = data.consumeRemainingAsString();
    List<ClientFrame> frames;
    try {
      frames = JsonFrames.decode(message, ClientFrame.getDefaultInstance(), MAX_FRAMES);
    } catch (MalformedFrameException refused) {
      return;
    }
    assertThat(frames).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_FRAMES);
    for (ClientFrame f : frames) JsonFrames.encode(f); // what decodes must print
  }
}
