package io.roomcast.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes over the WebSocket protocol to one or more nodes, at a fixed rate or as fast as the
 * nodes acknowledge. At a fixed rate each payload carries its <em>intended</em> send time (start +
 * k / rate), not the time it actually left: a publisher that falls behind shows up as latency, so
 * the histogram has no coordinated omission.
 *
 * <p>Publication k goes to room k mod R, through the connection of that room (room r always through
 * node r mod N: one publisher per room, rooms alternating nodes), and carries its number in the
 * room (k div R), so that subscribers can count what is lost or reordered.
 */
final class Publisher implements AutoCloseable {
  /** Most publishes in one WebSocket message (the node's default limit is 100). */
  private static final int MAX_BATCH = 50;
  /** At full speed, publishes sent and not yet acknowledged, per connection. */
  private static final int WINDOW = 2_000;

  private final Socket[] sockets;
  private final AtomicLong[] acked;
  private final long[] sent;
  private final Thread[] readers;
  /** Replies that were errors (the node refused a publish). */
  final AtomicLong errors = new AtomicLong();
  /** Publishes sent in all. */
  volatile long published;
  /** The rooms of the last {@link #run}. */
  private volatile List<String> rooms = List.of();

  Publisher(List<Integer> ports) throws IOException {
    sockets = new Socket[ports.size()];
    acked = new AtomicLong[ports.size()];
    sent = new long[ports.size()];
    readers = new Thread[ports.size()];
    for (int i = 0; i < sockets.length; i++) {
      Socket s = new Socket();
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", ports.get(i)));
      s.getOutputStream().write(Wire.handshake("127.0.0.1", ports.get(i)));
      readHandshake(s.getInputStream());
      sockets[i] = s;
      acked[i] = new AtomicLong();
      int k = i;
      readers[i] = new Thread(() -> readReplies(k), "bench-publisher-acks-" + i);
      readers[i].setDaemon(true);
      readers[i].start();
    }
  }

  /**
   * Publishes to {@code rooms} in turn until {@code endNanos}: {@code rate} per second in all, or as
   * fast as acknowledged when {@code rate} is 0.
   */
  void run(List<String> rooms, double rate, int payloadBytes, long endNanos) throws IOException {
    this.rooms = List.copyOf(rooms);
    long start = System.nanoTime();
    double interval = rate > 0 ? 1e9 / rate : 0;
    long k = 0;
    ByteArrayOutputStream[] batches = new ByteArrayOutputStream[sockets.length];
    for (int i = 0; i < batches.length; i++) batches[i] = new ByteArrayOutputStream(8192);
    while (true) {
      long now = System.nanoTime();
      if (now >= endNanos) break;
      long due;
      if (rate > 0) {
        due = (long) ((now - start) / interval) + 1;
        if (k >= due) {
          LockSupport.parkNanos(Math.min((long) ((k - due + 1) * interval), 200_000));
          continue;
        }
      } else {
        boolean full = false;
        for (int i = 0; i < sockets.length; i++) full |= sent[i] - acked[i].get() > WINDOW;
        if (full) {
          Thread.onSpinWait();
          continue;
        }
        due = k + MAX_BATCH * sockets.length;
      }
      long upTo = Math.min(due, k + (long) MAX_BATCH * sockets.length);
      for (; k < upTo; k++) {
        long intended = rate > 0 ? start + (long) (k * interval) : now;
        int room = (int) (k % rooms.size());
        int c = room % sockets.length;
        batches[c].writeBytes(Wire.publish(rooms.get(room), intended, k / rooms.size(), payloadBytes));
        sent[c]++;
      }
      for (int i = 0; i < sockets.length; i++) {
        if (batches[i].size() == 0) continue;
        sockets[i].getOutputStream().write(Wire.binaryFrame(batches[i].toByteArray()));
        batches[i].reset();
      }
    }
    published = k;
  }

  /** Publishes sent to {@code room} by the last {@link #run}, once it returned. */
  long publishedTo(String room) {
    int r = rooms.indexOf(room);
    long k = published;
    return r < 0 ? 0 : k / rooms.size() + (r < k % rooms.size() ? 1 : 0);
  }

  private void readReplies(int i) {
    try {
      InputStream in = new java.io.BufferedInputStream(sockets[i].getInputStream(), 1 << 16);
      while (true) {
        int b0 = in.read();
        if (b0 < 0) return;
        int len = in.read() & 0x7f;
        if (len == 126) len = (in.read() << 8) | in.read();
        else if (len == 127) {
          long l = 0;
          for (int j = 0; j < 8; j++) l = (l << 8) | in.read();
          len = (int) l;
        }
        byte[] payload = in.readNBytes(len);
        if ((b0 & 0x0f) == 8) return;
        if ((b0 & 0x0f) != 2) continue;
        int p = 0;
        int frames = 0;
        while (p < payload.length) {
          long v = 0;
          int shift = 0;
          while (true) {
            byte x = payload[p++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) break;
            shift += 7;
          }
          int q = p;
          if (payload[q] == 0x08) {
            q++;
            while (payload[q++] < 0) { }
          }
          if ((payload[q] & 0xff) == 0x32 && errors.incrementAndGet() == 1) {
            System.err.println("bench: first refused publish: "
                + io.roomcast.protocol.v1.ServerFrame.parseFrom(java.util.Arrays.copyOfRange(payload, p, p + (int) v)).getError());
          }
          if ((payload[q] & 0xff) == 0x2a || (payload[q] & 0xff) == 0x32) frames++;
          p += (int) v;
        }
        acked[i].addAndGet(frames);
      }
    } catch (IOException e) {
      // the socket closed
    }
  }

  private static void readHandshake(InputStream in) throws IOException {
    int a = 0, b = 0, c = 0, d;
    StringBuilder seen = new StringBuilder();
    while ((d = in.read()) >= 0) {
      seen.append((char) d);
      if (a == '\r' && b == '\n' && c == '\r' && d == '\n') {
        if (!seen.toString().startsWith("HTTP/1.1 101")) throw new IOException("handshake refused: " + seen);
        return;
      }
      a = b;
      b = c;
      c = d;
    }
    throw new IOException("closed during the handshake");
  }

  @Override
  public void close() throws IOException {
    for (Socket s : sockets) s.close();
  }
}
