package io.roomcast.protocol;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary format: a WebSocket message is one or more frames, each a varint length then that many
 * bytes of protobuf. Concatenating encoded frames makes a valid batch, so a frame is encoded once and
 * its bytes shared by every batch it goes into.
 */
public final class BinaryFrames {
  private BinaryFrames() {}

  /** One frame with its length prefix, ready to be concatenated with others. */
  public static byte[] encode(MessageLite frame) {
    int size = frame.getSerializedSize();
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      cos.writeUInt32NoTag(size);
      frame.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an exactly sized array cannot fail", e);
    }
    return out;
  }

  /**
   * Splits one WebSocket message into its frames.
   *
   * @throws MalformedFrameException when the message is empty, holds more than {@code maxFrames}
   *     frames, a length runs past the end, or a frame is not valid protobuf
   */
  public static <T extends MessageLite> List<T> decode(ByteBuffer message, Parser<T> parser, int maxFrames)
      throws MalformedFrameException {
    if (!message.hasRemaining()) throw new MalformedFrameException("empty message");
    CodedInputStream in = CodedInputStream.newInstance(message.duplicate());
    List<T> frames = new ArrayList<>(2);
    try {
      while (!in.isAtEnd()) {
        if (frames.size() == maxFrames) {
          throw new MalformedFrameException("more than " + maxFrames + " frames in one message");
        }
        int length = in.readRawVarint32();
        int left = message.remaining() - in.getTotalBytesRead();
        if (length < 0 || length > left) {
          throw new MalformedFrameException("frame " + frames.size() + " declares " + length + " bytes, " + left + " left");
        }
        int limit = in.pushLimit(length);
        frames.add(parser.parseFrom(in));
        in.popLimit(limit);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedFrameException("frame " + frames.size() + " is not valid protobuf: " + e.getMessage());
    } catch (IOException e) {
      throw new MalformedFrameException("unreadable frame " + frames.size() + ": " + e.getMessage());
    }
    return frames;
  }
}
