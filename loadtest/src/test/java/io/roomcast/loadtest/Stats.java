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
  /** Subscribes refused or unanswered (and retried, up to lt.subscribeAttempts). */
  final LongAdder refusedSubscribes = new LongAdder();
  /** Reconnect attempts that failed (and were retried). */
  final LongAdder refusedReconnects = new LongAdder();
  final LongAdder published = new LongAdder();
  final LongAdder acked = new LongAdder();
  /** Publishes answered with an error (429 over the rate limit, 503 broker unavailable, ...). */
  final LongAdder refusedPublishes = new LongAdder();
  /** Publishes whose ack never came (or was cleared from Gatling's buffer by the next send). */
  final LongAdder unanswered = new LongAdder();
  final Map<Integer, LongAdder> errorCodes = new ConcurrentSkipListMap<>();
  final Map<Integer, LongAdder> disconnectCodes = new ConcurrentSkipListMap<>();
  final Map<String, LongAdder> connectionsByNode = new ConcurrentSkipListMap<>();
  /** Every receiver of the run, for the deliveries each still owes at the end. */
  final java.util.Queue<Receiver> allReceivers = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** The highest offset seen per room, by any receiver or publisher ack. */
  private final Map<String, AtomicLong> maxOffsets = new ConcurrentHashMap<>();
  /** Offsets skipped right after the virtual user sent a frame (Gatling clears its buffer then). */
  final LongAdder gapsFromClearedBuffer = new LongAdder();
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

  /** Deliveries during the warm-up (the first {@code lt.warmupSeconds} of publishing): counted, not timed. */
  final LongAdder warmupDeliveries = new LongAdder();
  private final long warmupMs = Settings.integer("warmupSeconds", 2) * 1000L;

  void delivery(Group g, long receivedAtMs, long brokerTimeMs, long stampMicros) {
    delivered.get(g).increment();
    long first = firstPublishMs.get();
    if (warmupMs > 0 && (first == 0 || brokerTimeMs < first + warmupMs)) {
      warmupDeliveries.increment();
      return;
    }
    brokerToReceiver.get(g).recordValue(Math.max(0, receivedAtMs * 1000 - brokerTimeMs * 1000));
    if (stampMicros > 0) publisherToReceiver.get(g).recordValue(Math.max(0, receivedAtMs * 1000 - stampMicros));
  }

  void publisherStarted() {
    publishersStarted.incrementAndGet();
  }

  void publisherFinished() {
    if (publishersFinished.incrementAndGet() == publishersStarted.get()) publishingEndedMs = System.currentTimeMillis();
  }

  void acked(String room, long offset, long latencyMicros) {
    acked.increment();
    if (offset > 0) sawOffset(room, offset);
    if (latencyMicros != -1) ack.recordValue(Math.max(0, latencyMicros));
  }

  void sawOffset(String room, long offset) {
    maxOffsets.computeIfAbsent(room, r -> new AtomicLong()).accumulateAndGet(offset, Math::max);
  }

  long maxOffset(String room) {
    AtomicLong m = maxOffsets.get(room);
    return m == null ? 0 : m.get();
  }

  /** Deliveries owed to regular receivers that never arrived: the room's last offset minus what each got. */
  long missingRegular() {
    long sum = 0;
    for (Receiver r : allReceivers) if (r.group == Group.REGULAR) sum += r.missing();
    return Math.max(0, sum - gapsFromClearedBuffer.sum());
  }

  /** Lost messages of regular receivers: offset gaps, or deliveries missing at the end, whichever is larger. */
  long lostRegular() {
    return Math.max(gapLost.get(Group.REGULAR).sum(), missingRegular());
  }

  /** Whether publishers ran and all have finished at least {@code graceMs} ago. */
  boolean publishingOverFor(long graceMs) {
    long end = publishingEndedMs;
    return end > 0 && System.currentTimeMillis() - end >= graceMs;
  }
}
