package io.roomcast.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tests' small WebSocket client, on a bare socket: it writes whatever bytes a test asks for (a
 * well-formed handshake, unmasked frames, bad lengths, half a handshake, nothing at all) and reads the
 * server's answer byte by byte. For well-behaved traffic use the Java client ({@code RoomcastClient}).
 */
public final class RawWebSocket implements AutoCloseable {
  public static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  public final Socket socket;
  /** The reason of the last close frame read by {@link #awaitCloseCode()}. */
  public volatile String closeReason;
  private final DataInputStream in;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** A connection from {@code from} (a loopback address such as 127.0.0.2, or null for any). */
  public static RawWebSocket connect(int port, String from) throws IOException {
    Socket s = new Socket();
    if (from != null) s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    return new RawWebSocket(s);
  }

  /** A well-formed handshake for the binary subprotocol, with {@code extraHeaders} ("Name: value"). */
  public static String handshake(String path, String... extraHeaders) {
    return handshakeFor("roomcast.v1.proto", path, extraHeaders);
  }

  public static String handshakeFor(String subprotocol, String path, String... extraHeaders) {
    StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Protocol: " + subprotocol + "\r\n");
    for (String h : extraHeaders) b.append(h).append("\r\n");
    return b.append("\r\n").toString();
  }

  public void write(String ascii) throws IOException {
    write(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Sends a handshake and reads the response head; returns its status code. */
  public int upgrade(String... extraHeaders) throws IOException {
    write(handshake("/ws", extraHeaders));
    return readStatus();
  }

  /** Reads one response head (up to the blank line) and returns its status code. */
  public int readStatus() throws IOException {
    String head = readHead();
    return Integer.parseInt(head.substring(9, 12));
  }

  public String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new EOFException("connection closed after " + head);
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads one whole response (head and Content-Length body) and returns its status code. */
  public int readResponse() throws IOException {
    String head = readHead();
    int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
    if (at >= 0) {
      int eol = head.indexOf('\r', at);
      skip(Integer.parseInt(head.substring(at + 15, eol).trim()));
    }
    return Integer.parseInt(head.substring(9, 12));
  }

  /** Skips a response body of {@code length} bytes. */
  public void skip(int length) throws IOException {
    in.readFully(new byte[length]);
  }

  /** A client frame: FIN as given, {@code opcode}, masked when {@code masked}, with a 7/16/64-bit length. */
  public static byte[] frame(boolean fin, int opcode, boolean masked, byte[] payload) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write((fin ? 0x80 : 0) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      f.write(maskBit | payload.length);
    } else if (payload.length < 65_536) {
      f.write(maskBit | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length);
    } else {
      f.write(maskBit | 127);
      for (int i = 7; i >= 0; i--) f.write((int) ((long) payload.length >>> (8 * i)));
    }
    byte[] mask = new byte[4];
    if (masked) {
      ThreadLocalRandom.current().nextBytes(mask);
      f.writeBytes(mask);
    }
    for (int i = 0; i < payload.length; i++) f.write(payload[i] ^ (masked ? mask[i % 4] : 0));
    return f.toByteArray();
  }

  /** Reads server frames until a close frame and returns its code; -1 when the socket closed without one. */
  public int awaitCloseCode() throws IOException {
    try {
      while (true) {
        int b0 = in.read();
        if (b0 < 0) return -1;
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) len = in.readUnsignedShort();
        else if (len == 127) len = in.readLong();
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        if ((b0 & 0x0f) == 8) {
          closeReason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
          return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
      }
    } catch (EOFException e) {
      return -1;
    }
  }

  /** Whether the server closed the socket: reads until end of stream, failing if it stays open past the socket timeout. */
  public boolean awaitEndOfStream() throws IOException {
    try {
      while (in.read() >= 0) {
        // drain
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
