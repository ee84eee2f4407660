package io.roomcast.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Many benchmark subscribers on a few selector threads: each connects (from one of several loopback
 * source addresses), upgrades, subscribes to its room and then counts what arrives, recording each
 * message's latency from the send time its payload carries. A stalled subscriber stops reading once
 * subscribed, the way a client on a dead link does.
 */
final class Clients implements AutoCloseable {
  private final Loop[] loops;
  private int next;
  /** Subscriptions confirmed, over all connections. */
  final AtomicLong subscribed = new AtomicLong();
  /** Subscribed connections the node closed (or that failed); see {@link #failedBeforeSubscribed} for the others. */
  final AtomicLong closed = new AtomicLong();
  /** Connections that failed before their subscription was confirmed, to open again: source address, port, room. */
  final ConcurrentLinkedQueue<String[]> failedBeforeSubscribed = new ConcurrentLinkedQueue<>();
  /** Every connection opened, for the counts of {@link #order()}. */
  private final ConcurrentLinkedQueue<Conn> all = new ConcurrentLinkedQueue<>();

  Clients(int threads) throws IOException {
    loops = new Loop[threads];
    for (int i = 0; i < threads; i++) {
      loops[i] = new Loop(i);
      loops[i].start();
    }
  }

  /** Opens one subscriber of {@code room}, from {@code source}, to the node on {@code port}. */
  void open(String source, int port, String room, boolean stalled) throws IOException {
    SocketChannel ch = SocketChannel.open();
    ch.configureBlocking(false);
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    // A stalled subscriber advertises a small window, so the node's queue (not the kernel's buffers) fills soon.
    if (stalled) ch.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    ch.bind(new InetSocketAddress(source, 0));
    ch.connect(new InetSocketAddress("127.0.0.1", port));
    Loop loop = loops[next++ % loops.length];
    Conn conn = new Conn(ch, source, port, room, stalled);
    all.add(conn);
    loop.pending.add(conn);
    loop.selector.wakeup();
  }

  /** Messages received so far (all threads). */
  long messages() {
    long n = 0;
    for (Loop l : loops) n += l.messages;
    return n;
  }

  long bytes() {
    long n = 0;
    for (Loop l : loops) n += l.bytes;
    return n;
  }

  long lagged() {
    long n = 0;
    for (Loop l : loops) n += l.lagged;
    return n;
  }

  /**
   * What the live (not stalled) subscribers received of each room, from the numbers publications
   * carry: messages in all, and messages that came after a later one of the same room. Read it once
   * the publisher has stopped and deliveries have ceased (the counts are the selector threads').
   */
  Order order() {
    java.util.Map<String, Long> received = new java.util.HashMap<>();
    java.util.Map<String, Integer> members = new java.util.HashMap<>();
    long reordered = 0;
    for (Conn c : all) {
      if (c.stalled) continue;
      received.merge(c.room, c.received, Long::sum);
      members.merge(c.room, 1, Integer::sum);
      reordered += c.reordered;
    }
    return new Order(received, members, reordered);
  }

  /** Per room: messages received by its live members, and how many members; reordered messages in all. */
  record Order(java.util.Map<String, Long> received, java.util.Map<String, Integer> members, long reordered) {
    /** Messages that should have arrived and did not: {@code published} per room times its members, less what arrived. */
    long lost(java.util.function.ToLongFunction<String> published) {
      long lost = 0;
      for (var e : members.entrySet()) lost += published.applyAsLong(e.getKey()) * e.getValue() - received.getOrDefault(e.getKey(), 0L);
      return lost;
    }
  }

  /** Starts a new measurement: each thread swaps in an empty histogram before its next record. */
  void resetLatency() {
    for (Loop l : loops) l.resetRequested = true;
  }

  /** The latencies recorded since {@link #resetLatency()}, in nanoseconds. */
  Histogram latency() {
    Histogram all = new Histogram(60_000_000_000L, 3);
    for (Loop l : loops) all.add(l.histogram.copy());
    return all;
  }

  @Override
  public void close() {
    for (Loop l : loops) {
      l.running = false;
      l.selector.wakeup();
    }
    for (Loop l : loops) {
      try {
        l.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final class Conn {
    final SocketChannel ch;
    final String source;
    final int port;
    final String room;
    final boolean stalled;
    boolean open;
    /** Its subscription was confirmed. */
    boolean subscribed;
    /** The number the next message of the room should carry. */
    long nextSeq;
    /** Room messages received. */
    long received;
    /** Room messages that carried a lower number than one received before them. */
    long reordered;
    /** Bytes of an incomplete frame, carried to the next read. */
    byte[] rest = new byte[0];
    int restLength;

    Conn(SocketChannel ch, String source, int port, String room, boolean stalled) {
      this.source = source;
      this.ch = ch;
      this.port = port;
      this.room = room;
      this.stalled = stalled;
    }
  }

  private final class Loop extends Thread implements Wire.FrameSink {
    final Selector selector = Selector.open();
    final ConcurrentLinkedQueue<Conn> pending = new ConcurrentLinkedQueue<>();
    final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    volatile boolean running = true;
    volatile boolean resetRequested;
    volatile Histogram histogram = new Histogram(60_000_000_000L, 3);
    volatile long messages;
    volatile long bytes;
    volatile long lagged;
    private Conn current;
    /** Connections of this thread that failed, for the first few reports. */
    private int failures;
    private SelectionKey currentKey;

    Loop(int i) throws IOException {
      super("bench-clients-" + i);
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        while (running) {
          selector.select(100);
          Conn c;
          while ((c = pending.poll()) != null) c.ch.register(selector, SelectionKey.OP_CONNECT, c);
          var it = selector.selectedKeys().iterator();
          while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Conn conn = (Conn) key.attachment();
            try {
              if (key.isConnectable()) {
                conn.ch.finishConnect();
                writeFully(conn.ch, Wire.handshake("127.0.0.1", conn.port));
                key.interestOps(SelectionKey.OP_READ);
              } else if (key.isReadable()) {
                read(key, conn);
              }
            } catch (IOException | RuntimeException e) {
              key.cancel();
              closeQuietly(conn.ch);
              all.remove(conn);
              if (conn.subscribed) closed.incrementAndGet();
              else failedBeforeSubscribed.add(new String[] {conn.source, Integer.toString(conn.port), conn.room});
              if (++failures <= 3) System.err.println("bench: a subscriber connection failed: " + e);
            }
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } finally {
        for (SelectionKey k : selector.keys()) closeQuietly(k.channel());
        closeQuietly(selector);
      }
    }

    private void read(SelectionKey key, Conn conn) throws IOException {
      buffer.clear();
      buffer.put(conn.rest, 0, conn.restLength);
      int n = conn.ch.read(buffer);
      if (n < 0) throw new IOException("closed by the node");
      bytes += n;
      byte[] b = buffer.array();
      int end = buffer.position();
      int p = 0;
      if (!conn.open) {
        int header = indexOf(b, end);
        if (header < 0) {
          keep(conn, b, 0, end);
          return;
        }
        if (!new String(b, 0, 12, java.nio.charset.StandardCharsets.US_ASCII).contains("101")) {
          throw new IOException("handshake refused: " + new String(b, 0, Math.min(end, 200)));
        }
        conn.open = true;
        p = header;
        writeFully(conn.ch, Wire.binaryFrame(Wire.subscribe(conn.room)));
      }
      current = conn;
      currentKey = key;
      while (end - p >= 2) {
        int b0 = b[p] & 0xff;
        int len = b[p + 1] & 0x7f;
        int h = 2;
        if (len == 126) {
          if (end - p < 4) break;
          len = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
          h = 4;
        } else if (len == 127) {
          if (end - p < 10) break;
          len = (int) ByteBuffer.wrap(b, p + 2, 8).getLong();
          h = 10;
        }
        if (end - p < h + len) break;
        int opcode = b0 & 0x0f;
        if (opcode == 2 || opcode == 0) {
          Wire.scan(b, p + h, p + h + len, this);
        } else if (opcode == 8) {
          throw new IOException("close frame from the node");
        }
        p += h + len;
      }
      keep(conn, b, p, end);
    }

    private void keep(Conn conn, byte[] b, int from, int to) {
      int n = to - from;
      if (conn.rest.length < n) conn.rest = new byte[Math.max(n, 256)];
      System.arraycopy(b, from, conn.rest, 0, n);
      conn.restLength = n;
    }

    @Override
    public void message(long sentAtNanos, long seq) {
      current.received++;
      if (seq >= 0 && seq < current.nextSeq) current.reordered++;
      else if (seq >= 0) current.nextSeq = seq + 1;
      long latency = System.nanoTime() - sentAtNanos;
      if (resetRequested) {
        resetRequested = false;
        histogram = new Histogram(60_000_000_000L, 3);
      }
      histogram.recordValue(Math.max(0, Math.min(latency, 59_000_000_000L)));
      messages++;
    }

    @Override
    public void subscribed() {
      subscribed.incrementAndGet();
      current.subscribed = true;
      if (current.stalled) currentKey.interestOps(0); // never reads again
    }

    @Override
    public void lagged() {
      lagged++;
    }

    @Override
    public void error() {
      // Refused before its subscription (e.g. 503 from a node whose broker is slow): open it again.
      if (!current.subscribed) throw new IllegalStateException("subscribe refused");
    }
  }

  private static int indexOf(byte[] b, int end) {
    for (int i = 3; i < end; i++) {
      if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') return i + 1;
    }
    return -1;
  }

  static void writeFully(SocketChannel ch, byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int spins = 0;
    while (b.hasRemaining()) {
      if (ch.write(b) == 0 && ++spins > 1_000_000) throw new IOException("cannot write");
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  static List<String> sourceAddresses(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add("127.0.0." + i);
    return out;
  }
}
