package io.roomcast.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON format: protobuf's canonical JSON mapping, one frame per line. Each encoded frame ends with
 * a newline, so encoded frames concatenate into a valid batch. Unknown fields are ignored, as in the
 * binary format, so newer clients keep working with older nodes.
 */
public final class JsonFrames {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private JsonFrames() {}

  /** One frame as a UTF-8 line, newline included. */
  public static byte[] encode(MessageOrBuilder frame) {
    return (print(frame) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** One frame as a JSON object, without the newline. */
  public static String print(MessageOrBuilder frame) {
    try {
      return PRINTER.print(frame);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("frame has no JSON form: " + e.getMessage(), e);
    }
  }

  /**
   * Splits one text message into its frames; blank lines are skipped.
   *
   * @param prototype the frame type, e.g. {@code ClientFrame.getDefaultInstance()}
   * @throws MalformedFrameException when no frame is present, more than {@code maxFrames} are, or a
   *     line is not a valid JSON frame
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> List<T> decode(CharSequence message, T prototype, int maxFrames)
      throws MalformedFrameException {
    List<T> frames = new ArrayList<>(2);
    int start = 0;
    int length = message.length();
    while (start < length) {
      int end = start;
      while (end < length && message.charAt(end) != '\n') end++;
      String line = message.subSequence(start, end).toString();
      start = end + 1;
      if (line.isBlank()) continue;
      if (frames.size() == maxFrames) {
        throw new MalformedFrameException("more than " + maxFrames + " frames in one message");
      }
      Message.Builder builder = prototype.newBuilderForType();
      try {
        PARSER.merge(line, builder);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        // JsonFormat throws unchecked exceptions on some malformed input (e.g. deep nesting).
        throw new MalformedFrameException("line " + (frames.size() + 1) + " is not a valid frame: " + e.getMessage());
      }
      frames.add((T) builder.build());
    }
    if (frames.isEmpty()) throw new MalformedFrameException("empty message");
    return frames;
  }
}
