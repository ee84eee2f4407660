package io.roomcast.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-command Redis client for fixtures and tests: connects to 127.0.0.1, sends one command, reads
 * one reply, closes. No pools, no threads, nothing to shut down; fine for administration, not for load.
 * Replies: simple and bulk strings as String (bulk as bytes with {@link #callBytes}), integers as Long,
 * arrays as List, nil as null; an error reply throws {@link Error}.
 */
public final class Resp {
  private static final int TIMEOUT_MS = 5_000;

  /** Redis answered with an error reply. */
  public static final class Error extends RuntimeException {
    Error(String message) {
      super(message);
    }
  }

  private Resp() {}

  /** Runs one command; arguments are Strings or byte[]. */
  public static Object call(int port, Object... args) {
    return decodeStrings(callBytes(port, args));
  }

  /** Like {@link #call}, bulk strings left as byte[]. */
  public static Object callBytes(int port, Object... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(encode(args));
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("redis on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** Whether a server answers PING on {@code port} now. */
  public static boolean pings(int port) {
    try {
      return "PONG".equals(call(port, "PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  static byte[] encode(Object... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    writeAscii(buf, "*" + args.length + "\r\n");
    for (Object arg : args) {
      byte[] bytes = arg instanceof byte[] b ? b : String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
      writeAscii(buf, "$" + bytes.length + "\r\n");
      buf.writeBytes(bytes);
      writeAscii(buf, "\r\n");
    }
    return buf.toByteArray();
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) throw new EOFException("connection closed before a reply");
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new Error(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) return null;
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) throw new EOFException("short bulk string");
        line(in);
        return bytes;
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) return null;
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          try {
            items.add(read(in));
          } catch (Error e) {
            items.add(e); // an error inside an array (EXEC) is a value, not a failure of the call
          }
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type '" + (char) type + "'");
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int b = in.read(); ; b = in.read()) {
      if (b < 0) throw new EOFException("connection closed inside a reply");
      if (b == '\r') {
        in.read(); // '\n'
        return buf.toString(StandardCharsets.UTF_8);
      }
      buf.write(b);
    }
  }

  private static Object decodeStrings(Object reply) {
    if (reply instanceof byte[] bytes) return new String(bytes, StandardCharsets.UTF_8);
    if (reply instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object item : list) out.add(decodeStrings(item));
      return out;
    }
    return reply;
  }

  private static void writeAscii(ByteArrayOutputStream buf, String s) {
    buf.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }
}
