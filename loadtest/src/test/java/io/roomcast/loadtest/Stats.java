package io.roomcast.loadtest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What Gatling's own statistics cannot express, recorded by the virtual users of one run (one JVM):
 * delivery latency at every receiver, losses, disconnect codes. Thread-safe: receivers record from
 * Gatling's event loops, slow readers from their own threads.
 */
final class Stats {
  /** Receivers whose figures are reported apart. */
  enum Group { REGULAR, SLOW }

  static final Stats RUN = new Stats();

  /** Per group: receiver clock minus the message's time_ms (broker accept), in microseconds. */
  final Map<Group, Histogram> brokerToReceiver = histograms();
  /** Per group: receiver clock minus the publisher's stamp in the payload, in microseconds. */
  final Map<Group, Histogram> publisherToReceiver = histograms();
  /** Publish to ack, WebSocket or HTTP, in microseconds. */
  final Histogram ack = new ConcurrentHistogram(3_600_000_000L, 3);
  /** WebSocket connect to the connected frame, in microseconds. */
  final Histogram connect = new ConcurrentHistogram(3_600_000_000L, 3);
  /** Disconnect (or close) to subscribed again, in microseconds. */
  final Histogram reconnect = new ConcurrentHistogram(3_600_000_000L, 3);

  final Map<Group, LongAdder> delivered = adders();
  final Map<Group, LongAdder> gapLost = adders();
  final Map<Group, LongAdder> duplicates = adders();
  final Map<Group, LongAdder> receivers = adders();
  final LongAdder rawMessages = new LongAdder();
  final LongAdder resets = new LongAdder();
  final LongAdder recovered = new LongAdder();
  final LongAdder notRecovered = new LongAdder();
  final LongAdder connected = new LongAdder();
  final LongAdder published = new LongAdder();
  final LongAdder acked = new LongAdder();
  final Map<Integer, LongAdder> errorCodes = new ConcurrentSkipListMap<>();
  final Map<Integer, LongAdder> disconnectCodes = new ConcurrentSkipListMap<>();
  final Map<String, LongAdder> connectionsByNode = new ConcurrentSkipListMap<>();
  /** Regular subscribers per room, for the deliveries that acked publishes owe. */
  final Map<String, LongAdder> subscribersByRoom = new ConcurrentHashMap<>();
  final Map<String, LongAdder> ackedByRoom = new ConcurrentHashMap<>();
  final AtomicLong firstDeliveryMs = new AtomicLong(Long.MAX_VALUE);
  final AtomicLong lastDeliveryMs = new AtomicLong();
  final AtomicInteger publishersStarted = new AtomicInteger();
  final AtomicInteger publishersFinished = new AtomicInteger();
  /** When the last publisher finished, epoch ms; 0 while some still publish. */
  volatile long publishingEndedMs;
  /** When the simulation started, epoch ms (set in before()). */
  volatile long startMs = System.currentTimeMillis();
  /** When the first publish went out, epoch ms; 0 before. */
  final AtomicLong firstPublishMs = new AtomicLong();

  private static Map<Group, Histogram> histograms() {
    Map<Group, Histogram> m = new ConcurrentHashMap<>();
    for (Group g : Group.values()) m.put(g, new ConcurrentHistogram(3_600_000_000L, 3));
    return m;
  }

  private static Map<Group, LongAdder> adders() {
    Map<Group, LongAdder> m = new ConcurrentHashMap<>();
    for (Group g : Group.values()) m.put(g, new LongAdder());
    return m;
  }

  static void count(Map<Integer, LongAdder> m, int key) {
    m.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void delivery(Group g, long receivedAtMs, long brokerTimeMs, long stampMicros) {
    delivered.get(g).increment();
    brokerToReceiver.get(g).recordValue(Math.max(0, receivedAtMs * 1000 - brokerTimeMs * 1000));
    if (stampMicros > 0) publisherToReceiver.get(g).recordValue(Math.max(0, receivedAtMs * 1000 - stampMicros));
    firstDeliveryMs.accumulateAndGet(receivedAtMs, Math::min);
    lastDeliveryMs.accumulateAndGet(receivedAtMs, Math::max);
  }

  void publisherStarted() {
    publishersStarted.incrementAndGet();
  }

  void publisherFinished() {
    if (publishersFinished.incrementAndGet() == publishersStarted.get()) publishingEndedMs = System.currentTimeMillis();
  }

  void acked(String room, long latencyMicros) {
    acked.increment();
    ackedByRoom.computeIfAbsent(room, r -> new LongAdder()).increment();
    if (latencyMicros >= 0) ack.recordValue(latencyMicros);
  }

  /** Deliveries owed to regular subscribers: acked publishes times the room's regular subscribers. */
  long expectedRegular() {
    long sum = 0;
    for (var e : ackedByRoom.entrySet()) {
      LongAdder subs = subscribersByRoom.get(e.getKey());
      sum += e.getValue().sum() * (subs == null ? 0 : subs.sum());
    }
    return sum;
  }

  /** Owed deliveries that never arrived at regular subscribers (unique deliveries counted). */
  long missingRegular() {
    long unique = delivered.get(Group.REGULAR).sum() - duplicates.get(Group.REGULAR).sum();
    return Math.max(0, expectedRegular() - unique);
  }

  /** Lost messages of regular receivers: offset gaps, or owed deliveries missing, whichever is larger. */
  long lostRegular() {
    return Math.max(gapLost.get(Group.REGULAR).sum(), missingRegular());
  }

  /** Whether publishers ran and all have finished at least {@code graceMs} ago. */
  boolean publishingOverFor(long graceMs) {
    long end = publishingEndedMs;
    return end > 0 && System.currentTimeMillis() - end >= graceMs;
  }
}
