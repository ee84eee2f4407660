package io.roomcast.loadtest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend publishing straight into Redis, as docs/redis.md describes: the nodes' publish script
 * ({@code EVALSHA}, offset + history + delivery in one round trip), pipelined on one connection,
 * paced at a rate for a duration. A plain RESP socket, not Lettuce: Lettuce would bring a second
 * Netty next to Gatling's. Runs on two threads of its own (writer and reply reader).
 */
final class RedisInjector {
  private final URI uri;
  private final List<String> rooms;
  private final double rate;
  private final int payloadBytes;
  private final String keyPrefix;
  private final Stats stats = Stats.RUN;
  /** Rooms and send times (epoch micros) of the commands awaiting their reply, oldest first. */
  private final ArrayDeque<long[]> inFlight = new ArrayDeque<>();

  RedisInjector(String uri, List<String> rooms, double rate, int payloadBytes, String keyPrefix) {
    this.uri = URI.create(uri);
    this.rooms = rooms;
    this.rate = rate;
    this.payloadBytes = payloadBytes;
    this.keyPrefix = keyPrefix;
  }

  /** The nodes' publish script: {@code lt.publishScript}, else found from the module or repository root. */
  static String script() throws IOException {
    String configured = Settings.raw("publishScript", "");
    List<Path> candidates = new ArrayList<>();
    if (!configured.isEmpty()) candidates.add(Path.of(configured));
    String rel = "modules/roomcast-redis/src/main/resources/io/roomcast/redis/publish.lua";
    candidates.add(Path.of("..", rel));
    candidates.add(Path.of(rel));
    for (Path p : candidates) if (Files.isRegularFile(p)) return Files.readString(p);
    throw new IOException("publish.lua not found (set lt.publishScript): tried " + candidates);
  }

  /** Publishes for {@code durationMs}, then waits up to 5 s for the last replies. */
  void run(long durationMs) throws IOException, InterruptedException {
    int port = uri.getPort() > 0 ? uri.getPort() : 6379;
    stats.publisherStarted();
    try (Socket socket = new Socket(uri.getHost(), port)) {
      socket.setTcpNoDelay(true);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      if (uri.getUserInfo() != null) {
        String[] user = uri.getUserInfo().split(":", 2);
        command(out, user.length == 2 && !user[0].isEmpty() ? new Object[] {"AUTH", user[0], user[1]} : new Object[] {"AUTH", user[user.length - 1]});
        out.flush();
        read(in);
      }
      command(out, "SCRIPT", "LOAD", script());
      out.flush();
      Object loaded = read(in);
      if (!(loaded instanceof byte[] shaBytes)) throw new IOException("SCRIPT LOAD answered " + loaded);
      String sha = new String(shaBytes, StandardCharsets.US_ASCII);
      Thread reader = new Thread(() -> readReplies(in), "redis-injector-replies");
      reader.setDaemon(true);
      reader.start();
      long start = System.nanoTime();
      long sent = 0;
      while (System.nanoTime() - start < durationMs * 1_000_000L) {
        long due = (long) ((System.nanoTime() - start) / 1e9 * rate) + 1;
        for (; sent < due; sent++) {
          int r = (int) (sent % rooms.size());
          String room = rooms.get(r);
          String tag = keyPrefix + "{" + room + "}";
          long now = Wire.nowMicros();
          stats.firstPublishMs.compareAndSet(0, now / 1000);
          synchronized (inFlight) {
            inFlight.add(new long[] {r, now});
          }
          command(out, "EVALSHA", sha, "3", tag + ":offset", tag + ":epoch", tag + ":history", tag,
              Wire.stampedPayload(payloadBytes), "b");
          stats.published.increment();
        }
        out.flush();
        Thread.sleep(1); // pacing the publish rate, not waiting for anything
      }
      long deadline = System.currentTimeMillis() + 5_000;
      synchronized (inFlight) { // the reply reader wakes us when the last answer arrives
        for (long left = 5_000; !inFlight.isEmpty() && left > 0; left = deadline - System.currentTimeMillis()) {
          inFlight.wait(left);
        }
        stats.unanswered.add(inFlight.size());
      }
    } finally {
      stats.publisherFinished();
    }
  }

  private void readReplies(InputStream in) {
    try {
      while (true) {
        Object reply = read(in);
        long[] sent;
        synchronized (inFlight) {
          sent = inFlight.poll();
          if (inFlight.isEmpty()) inFlight.notifyAll();
        }
        if (sent == null) continue;
        if (reply instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long offset) {
          stats.acked(rooms.get((int) sent[0]), offset, Wire.nowMicros() - sent[1]);
        } else {
          Stats.count(stats.errorCodes, 500);
        }
      }
    } catch (IOException e) {
      // the socket closed at the end of the run
    }
  }

  private static void command(OutputStream out, Object... args) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (Object a : args) {
      byte[] bytes = a instanceof byte[] raw ? raw : a.toString().getBytes(StandardCharsets.UTF_8);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(bytes);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    b.writeTo(out);
  }

  /** One RESP2 reply: String, Long, byte[] (bulk), List, or null; an error reply as an IOException-free String "-ERR..." */
  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) throw new IOException("closed");
    String line = line(in);
    switch (type) {
      case '+', '-': return (type == '-' ? "-" : "") + line;
      case ':': return Long.parseLong(line);
      case '$': {
        int n = Integer.parseInt(line);
        if (n < 0) return null;
        byte[] data = in.readNBytes(n);
        line(in);
        return data;
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) return null;
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) items.add(read(in));
        return items;
      }
      default: throw new IOException("unexpected RESP type " + (char) type);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) throw new IOException("closed");
      s.append((char) c);
    }
    in.read(); // \n
    return s.toString();
  }
}
