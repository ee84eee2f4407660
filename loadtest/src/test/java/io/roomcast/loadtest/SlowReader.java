package io.roomcast.loadtest;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;

/**
 * A subscriber that reads its socket slowly, or not at all: what Gatling's virtual users cannot be
 * (Netty always reads). A plain socket with a small receive buffer, a minimal RFC 6455 client
 * (handshake, masked client frames, unfragmented or fragmented server messages) and the same
 * {@link Receiver} accounting as the virtual users, in group SLOW.
 */
final class SlowReader implements Runnable {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int CHUNK = 512;

  private final URI url;
  private final Receiver receiver;
  private final int bytesPerSecond;
  private final String token;
  private final CountDownLatch subscribed;
  /** Set by {@link #stop()}: read what is left at full speed, then close. */
  private volatile boolean stopping;
  /** Released by {@link #stop()}: a reader that reads nothing waits on it instead of polling. */
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** The close code the server sent, or 0 while open. */
  volatile int closeCode;
  /** The server closed the connection (close frame or EOF). */
  volatile boolean closed;
  private volatile Socket socket;
  private OutputStream out;

  SlowReader(URI url, String room, int bytesPerSecond, String token, CountDownLatch subscribed) {
    this.url = url;
    this.receiver = new Receiver(Stats.Group.SLOW, room);
    this.bytesPerSecond = bytesPerSecond;
    this.token = token;
    this.subscribed = subscribed;
  }

  void stop() {
    stopping = true;
    stopped.countDown();
  }

  @Override
  public void run() {
    try (Socket s = new Socket()) {
      socket = s;
      s.setReceiveBufferSize(4096); // before connect, so the window stays small
      int port = url.getPort() > 0 ? url.getPort() : 80;
      s.connect(new InetSocketAddress(url.getHost(), port), 5_000);
      out = s.getOutputStream();
      DataInputStream in = new DataInputStream(new Throttled(s.getInputStream()));
      handshake(in, port);
      writeFrame(2, receiver.subscribeFrame());
      readLoop(in, s);
    } catch (IOException e) {
      if (!stopping) closed = true;
    } finally {
      if (!counted) subscribed.countDown();
    }
  }

  private void handshake(DataInputStream in, int port) throws IOException {
    String key = Base64.getEncoder().encodeToString(RANDOM.generateSeed(16));
    String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/ws" : url.getRawPath())
        + (token.isEmpty() ? "" : "?token=" + token);
    String request = "GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port + "\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Protocol: " + Wire.SUBPROTOCOL + "\r\n\r\n";
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) throw new EOFException("closed during the handshake");
      head.write(b);
    }
    String status = head.toString(StandardCharsets.US_ASCII).lines().findFirst().orElse("");
    if (!status.contains(" 101 ")) throw new IOException("handshake refused: " + status);
  }

  /** Whether this reader counted down {@link #subscribed}. */
  private boolean counted;

  private void readLoop(DataInputStream in, Socket s) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    while (true) {
      if (stopping) s.setSoTimeout(1_000); // at the end: read what is queued, quickly
      int b0;
      try {
        b0 = in.read();
      } catch (SocketTimeoutException e) {
        return;
      }
      if (b0 < 0) {
        closed = true;
        return;
      }
      int b1 = in.readUnsignedByte();
      long length = b1 & 0x7F;
      if (length == 126) length = in.readUnsignedShort();
      else if (length == 127) length = in.readLong();
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      int opcode = b0 & 0x0F;
      boolean fin = (b0 & 0x80) != 0;
      switch (opcode) {
        case 0, 2 -> {
          message.writeBytes(payload);
          if (fin) {
            receiver.onMessage(message.toByteArray(), System.currentTimeMillis());
            message.reset();
            if (receiver.started() && !counted) {
              counted = true;
              subscribed.countDown();
            }
            if (receiver.takePing() && !stopping) writeFrame(2, Wire.PONG);
          }
        }
        case 8 -> {
          closeCode = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
          closed = true;
          return;
        }
        case 9 -> writeFrame(10, payload);
        default -> { }
      }
    }
  }

  /** A masked client frame, as RFC 6455 requires of clients. */
  private synchronized void writeFrame(int opcode, byte[] payload) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write(0x80 | opcode);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else {
      f.write(0x80 | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xFF);
    }
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    f.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) f.write(payload[i] ^ mask[i & 3]);
    out.write(f.toByteArray());
    out.flush();
  }

  /** Reads at most {@code bytesPerSecond} (0: nothing) until {@link #stop()}, then at full speed. */
  private final class Throttled extends InputStream {
    private final InputStream in;

    Throttled(InputStream in) {
      this.in = in;
    }

    private void pace(int bytes) throws IOException {
      try {
        if (bytesPerSecond == 0) {
          stopped.await(); // a stalled reader: nothing until the run ends
        } else if (!stopping) {
          Thread.sleep(Math.max(1, bytes * 1000L / bytesPerSecond)); // pacing the read rate, not waiting for anything
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }

    @Override
    public int read() throws IOException {
      if (receiver.started()) pace(1);
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (!receiver.started()) return in.read(b, off, len); // the handshake and the subscribed reply at full speed
      int n = Math.min(len, CHUNK);
      pace(n);
      return in.read(b, off, n);
    }
  }
}
