package io.roomcast.server;

import io.roomcast.core.WireFrame;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.Deflater;

/**
 * permessage-deflate (RFC 7692) with the compression shared by every subscriber on the node: each
 * shared frame (a room message, {@link WireFrame#shared()}) is compressed once, in its slot, on its own (no context carried between messages), into a raw DEFLATE
 * chunk that ends on a byte boundary with an empty stored block (a sync flush). Chunks concatenate
 * into valid DEFLATE data, so a WebSocket message that batches several frames is the concatenation
 * of their chunks, with small frames as stored (uncompressed) blocks, and the trailing
 * {@code 00 00 FF FF} removed as the RFC says. The receiver inflates it like any other message.
 * docs/performance.md tells why (Undertow's own extension compresses per connection).
 */
public final class FrameDeflater {
  /** Marks, in a frame's cache, that it is sent stored (too small, or compression did not pay). */
  static final byte[] STORED = new byte[0];
  private static final int MAX_STORED_BLOCK = 65_535;

  private final int level;
  private final int minBytes;
  /** Frames compressed so far: once per frame and wire format, however many sessions send it. */
  private final LongAdder compressions = new LongAdder();
  /** One Deflater per thread that compresses (the I/O threads); reset after every frame. */
  private final ThreadLocal<Deflater> deflaters;

  /**
   * @param level DEFLATE level, 1 (fastest) to 9 (smallest)
   * @param minBytes frames shorter than this go uncompressed
   */
  public FrameDeflater(int level, int minBytes) {
    if (level < 1 || level > 9) throw new IllegalArgumentException("deflate level must be 1..9: " + level);
    if (minBytes < 0) throw new IllegalArgumentException("deflate minimum size must not be negative: " + minBytes);
    this.level = level;
    this.minBytes = minBytes;
    this.deflaters = ThreadLocal.withInitial(() -> new Deflater(level, true));
  }

  public int level() {
    return level;
  }

  public int minBytes() {
    return minBytes;
  }

  /** How many frames this deflater compressed. */
  public long compressions() {
    return compressions.sum();
  }

  /**
   * The payload of one compressed WebSocket message carrying {@code frames}, as pieces to send in
   * order: shared frames compressed once per node (in their slot), a session's own frames stored.
   * Null when no frame is compressed: the message is then cheaper sent plain.
   */
  public List<byte[]> message(List<WireFrame> frames) {
    List<byte[]> plain = new ArrayList<>(frames.size());
    List<byte[]> chunks = new ArrayList<>(frames.size());
    for (WireFrame f : frames) {
      plain.add(f.bytes());
      // Room messages are compressed once per node; replies are one session's own, sent stored.
      chunks.add(f.shared() ? f.transportForm(this::compress) : STORED);
    }
    return message(plain, chunks);
  }

  /** The frame as a self-contained DEFLATE chunk ending with a sync flush, or {@link #STORED}. */
  public byte[] compress(byte[] frame) {
    if (frame.length < minBytes) return STORED;
    compressions.increment();
    Deflater d = deflaters.get();
    try {
      d.setInput(frame);
      byte[] out = new byte[frame.length + 64];
      int n = 0;
      while (true) {
        n += d.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
        if (n < out.length) break; // a sync flush that did not fill the array is complete
        out = java.util.Arrays.copyOf(out, out.length * 2);
      }
      if (n >= frame.length) return STORED; // incompressible: cheaper for both ends as a stored block
      return java.util.Arrays.copyOf(out, n);
    } finally {
      d.reset();
    }
  }

  /**
   * The payload of one compressed WebSocket message carrying {@code frames}, as pieces to send in
   * order; {@code chunks} holds each frame's {@link #compress} result. Null when no frame is
   * compressed: the message is then cheaper sent plain.
   */
  static List<byte[]> message(List<byte[]> frames, List<byte[]> chunks) {
    boolean any = false;
    for (byte[] c : chunks) any |= c != STORED;
    if (!any) return null;
    List<byte[]> pieces = new java.util.ArrayList<>(frames.size() * 2 + 1);
    for (int i = 0; i < frames.size(); i++) {
      byte[] c = chunks.get(i);
      if (c != STORED) {
        pieces.add(c);
      } else {
        stored(frames.get(i), pieces);
      }
    }
    byte[] last = pieces.get(pieces.size() - 1);
    if (endsWithEmptyStoredBlock(last)) {
      pieces.set(pieces.size() - 1, java.util.Arrays.copyOf(last, last.length - 4)); // RFC 7692 7.2.1
    } else {
      pieces.add(new byte[] {0}); // an empty stored block's header; the receiver appends 00 00 FF FF
    }
    return pieces;
  }

  /** {@code frame} as stored DEFLATE blocks (a 5-byte header, then the bytes as they are). */
  private static void stored(byte[] frame, List<byte[]> pieces) {
    if (frame.length <= MAX_STORED_BLOCK) {
      pieces.add(storedHeader(frame.length));
      pieces.add(frame); // shared, not copied
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(frame.length + 16);
    for (int at = 0; at < frame.length; at += MAX_STORED_BLOCK) {
      int n = Math.min(MAX_STORED_BLOCK, frame.length - at);
      out.writeBytes(storedHeader(n));
      out.write(frame, at, n);
    }
    pieces.add(out.toByteArray());
  }

  private static byte[] storedHeader(int length) {
    return new byte[] {0, (byte) length, (byte) (length >>> 8), (byte) ~length, (byte) (~length >>> 8)};
  }

  private static boolean endsWithEmptyStoredBlock(byte[] b) {
    int n = b.length;
    return n >= 4 && b[n - 4] == 0 && b[n - 3] == 0 && b[n - 2] == (byte) 0xff && b[n - 1] == (byte) 0xff;
  }
}
