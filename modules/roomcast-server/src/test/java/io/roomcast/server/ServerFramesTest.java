package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames the lean write path puts on the wire, byte for byte (RFC 6455 5.2: final, unmasked). */
class ServerFramesTest {
  @Test
  void aShortBinaryMessageHasATwoByteHeaderAndItsPiecesInOrder() {
    ByteBuffer f = ServerFrames.frame(ServerFrames.OPCODE_BINARY, false, List.of(new byte[] {1, 2}, new byte[] {3}));

    assertThat(bytes(f)).containsExactly(0x82, 3, 1, 2, 3);
  }

  @Test
  void aCompressedTextMessageSetsRsv1() {
    ByteBuffer f = ServerFrames.frame(ServerFrames.OPCODE_TEXT, true, List.of(new byte[] {7}));

    assertThat(bytes(f)).containsExactly(0x80 | 0x40 | 0x1, 1, 7);
  }

  @Test
  void lengthsFrom126UpTo65535TakeSixteenBitsAndLongerOnesSixtyFour() {
    assertThat(header(125)).containsExactly(0x82, 125);
    assertThat(header(126)).containsExactly(0x82, 126, 0, 126);
    assertThat(header(65_535)).containsExactly(0x82, 126, 0xff, 0xff);
    assertThat(header(65_536)).containsExactly(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0);
  }

  @Test
  void aMessageLargerThanTheScratchBufferGetsItsOwnAndIsWhole() {
    byte[] big = new byte[ServerFrames.SCRATCH_BYTES + 1];
    big[big.length - 1] = 42;

    ByteBuffer f = ServerFrames.frame(ServerFrames.OPCODE_BINARY, false, List.of(big));

    assertThat(f.remaining()).isEqualTo(10 + big.length);
    assertThat(f.get(f.limit() - 1)).isEqualTo((byte) 42);
  }

  private static int[] header(int length) {
    int[] all = bytes(ServerFrames.frame(ServerFrames.OPCODE_BINARY, false, List.of(new byte[length])));
    return java.util.Arrays.copyOf(all, ServerFrames.headerSize(length));
  }

  private static int[] bytes(ByteBuffer b) {
    int[] out = new int[b.remaining()];
    for (int i = 0; i < out.length; i++) out[i] = b.get(b.position() + i) & 0xff;
    return out;
  }
}
