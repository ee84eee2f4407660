package io.roomcast.core;

import io.roomcast.protocol.WireFormat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's outbound queue. One write is in flight at a time; frames that arrive meanwhile
 * queue up and leave together as one WebSocket message when it completes (up to
 * {@link SessionLimits#maxBatchBytes()}), and frames that arrive during a shard's drain wait for its
 * end. A fast client gets frames at once, a slower one bigger batches. When the queue is full,
 * {@link #offer} says so and queues nothing: the caller decides (cut the client off, or
 * {@link #offerDroppingOldest drop its oldest room messages}). A paced sender (a history replay, which
 * may be far bigger than the queue) offers only while {@link #roomForPaced} and waits for
 * {@link #whenWritable} otherwise. Touched only on the connection's thread.
 */
final class OutboundWriter {
  private static final Logger log = LoggerFactory.getLogger(OutboundWriter.class);

  private final Connection connection;
  private final WireFormat format;
  private final SessionLimits limits;
  private final NodeMetrics metrics;
  /** The I/O thread's sum of queued bytes, which this writer keeps up to date. */
  private final QueuedBytes threadQueued;
  /** Encoded frames waiting behind the write in flight (or a pending flush), oldest first; null until the first is queued (most connections are idle). */
  private ArrayDeque<WireFrame> queue;
  /**
   * Parallel to {@link #queue}: for each entry, the frame it carries ({@link SlowConsumerPolicy#DROP_OLDEST}
   * drops only room messages), {@link OutboundFrame#REPLY} for replies, or the marker of a room's lagged notice.
   */
  private ArrayDeque<OutboundFrame> kinds;
  /** Sum of the lengths in {@link #queue}; above {@code limits.maxQueuedBytes()} only by lagged notices. */
  private long queuedBytes;
  /** Whether a write is in flight; frames queue until it completes. */
  private boolean writing;
  /** Whether queued frames wait for the end of a shard's drain, which flushes them. */
  private boolean flushArranged;
  /** Rooms whose lagged frame is still queued: one frame tells of every drop until it leaves. Null until the first drop. */
  private Set<String> laggedQueued;
  /** Set once, when the connection closes: nothing more is written. */
  private boolean closed;
  /** Paced senders (replays) waiting for the write in flight to complete; null when none. */
  private List<Runnable> waiting;

  OutboundWriter(Connection connection, SessionLimits limits, NodeMetrics metrics, QueuedBytes threadQueued) {
    this.connection = connection;
    this.format = connection.format();
    this.limits = limits;
    this.metrics = metrics;
    this.threadQueued = threadQueued;
  }

  /**
   * Sends {@code bytes} now if nothing else is pending, else queues them behind the write in flight
   * or the drain's flush; during a shard's {@code drain} (null outside one) the first frame waits for
   * the drain's end, so frames that come together leave together.
   *
   * @return false when the queue is full: nothing was queued
   */
  boolean offer(WireFrame frame, OutboundFrame kind, ShardDrain drain) {
    if (closed) return true; // gone: nothing to push back on
    if (!writing && !flushArranged) {
      if (drain == null) {
        writing = true;
        write(List.of(frame));
        return true;
      }
      flushArranged = true;
      drain.flushLater(this);
    } else if (queued() >= limits.maxQueuedFrames() || queuedBytes + frame.bytes().length > limits.maxQueuedBytes()) {
      return false;
    }
    enqueue(frame, kind);
    return true;
  }

  /** Frames queued now. */
  private int queued() {
    return queue == null ? 0 : queue.size();
  }

  private void enqueue(WireFrame frame, OutboundFrame kind) {
    if (queue == null) {
      queue = new ArrayDeque<>(4);
      kinds = new ArrayDeque<>(4);
    }
    queue.add(frame);
    kinds.add(kind);
    queued(frame.bytes().length);
  }

  /**
   * As {@link #offer} on a full queue, making room first: drops the oldest queued room messages until
   * {@code bytes} fit, and queues them.
   *
   * @return false when dropping every message would not make room (the queue holds only replies): nothing was queued
   */
  boolean offerDroppingOldest(WireFrame frame, OutboundFrame kind) {
    if (closed) return true;
    if (!dropOldestFor(frame.bytes().length)) return false;
    enqueue(frame, kind);
    return true;
  }

  /**
   * Drops the oldest queued room messages until a frame of {@code needed} bytes fits, and puts one
   * lagged frame per room that lost messages ahead of the queue (unless one is queued already).
   *
   * @return false when dropping every message would not make room (the queue holds only replies)
   */
  private boolean dropOldestFor(int needed) {
    if (queue == null) return queuedBytes + needed <= limits.maxQueuedBytes() && limits.maxQueuedFrames() > 0;
    Map<String, OutboundFrame> firstDropped = null;
    int dropped = 0;
    var bytesIt = queue.iterator();
    var kindIt = kinds.iterator();
    while ((queue.size() >= limits.maxQueuedFrames() || queuedBytes + needed > limits.maxQueuedBytes()) && bytesIt.hasNext()) {
      WireFrame b = bytesIt.next();
      OutboundFrame f = kindIt.next();
      if (!f.droppable) continue;
      bytesIt.remove();
      kindIt.remove();
      queued(-b.bytes().length);
      dropped++;
      if (f.epoch != null) {
        if (firstDropped == null) firstDropped = new HashMap<>();
        firstDropped.putIfAbsent(f.room, f);
      }
    }
    boolean fits = queue.size() < limits.maxQueuedFrames() && queuedBytes + needed <= limits.maxQueuedBytes();
    if (dropped > 0) metrics.droppedFrames.increment(dropped);
    if (firstDropped != null) { // a few bytes past the limits at most: one small frame per room
      if (laggedQueued == null) laggedQueued = new HashSet<>();
      for (OutboundFrame f : firstDropped.values()) {
        if (!laggedQueued.add(f.room)) continue;
        WireFrame lagged = WireFrame.own(Frames.encode(Frames.lagged(f.room, f.offset - 1, f.epoch), format));
        queue.addFirst(lagged);
        kinds.addFirst(OutboundFrame.laggedMarker(f.room));
        queued(lagged.bytes().length);
      }
      log.debug("{} lags: dropped {} queued messages", connection.remoteAddress(), dropped);
    }
    return fits;
  }

  /**
   * Whether a paced sender (a replay, which may be far bigger than the queue) may offer a frame of
   * {@code bytes} now: when nothing is queued, or within half the queue's limits, so live traffic of
   * other rooms and replies keep room beside it. When not, it waits for {@link #whenWritable}.
   */
  boolean roomForPaced(int bytes) {
    if (closed || queued() == 0) return true;
    return queuedBytes + bytes <= limits.maxQueuedBytes() / 2 && queue.size() < limits.maxQueuedFrames() / 2;
  }

  /** Runs {@code task} once, on this connection's thread, when the write in flight completes (never if it closes). */
  void whenWritable(Runnable task) {
    if (waiting == null) waiting = new ArrayList<>(2);
    waiting.add(task);
  }

  /** Bytes waiting now, for logs. */
  long queuedBytes() {
    return queuedBytes;
  }

  /** The connection closes: the queue is dropped and nothing more is written. */
  void close() {
    closed = true;
    queue = null;
    kinds = null;
    queued(-queuedBytes);
  }

  /** The drain's flush: writes what was queued, unless a write is in flight (its completion will). */
  void flush() {
    flushArranged = false;
    if (closed || writing || queued() == 0) return;
    writeQueued();
  }

  private void queued(long delta) {
    queuedBytes += delta;
    threadQueued.add(delta);
  }

  private void write(List<WireFrame> frames) {
    metrics.batchFrames.record(frames.size());
    long bytes = 0;
    for (int i = 0, n = frames.size(); i < n; i++) bytes += frames.get(i).bytes().length;
    metrics.bytesSent.increment(bytes); // before the transport's compression, if any
    connection.write(frames, this::onWritten);
  }

  private void onWritten(Throwable failure) {
    writing = false;
    if (failure != null) {
      log.atDebug().addKeyValue("remote", connection.remoteAddress()).log("write failed: {}", failure.toString());
      return; // the transport closes the connection and reports onClosed
    }
    if (closed) return;
    if (queued() > 0 && !flushArranged) writeQueued();
    if (waiting != null) { // the next write is on its way: paced senders top the queue up behind it
      List<Runnable> ready = waiting;
      waiting = null;
      for (Runnable r : ready) r.run();
    }
  }

  /** Writes the queued frames, oldest first, as one message of at most maxBatchBytes (a bigger single frame goes alone). */
  private void writeQueued() {
    List<WireFrame> batch = new ArrayList<>(Math.min(queue.size(), 64));
    long bytes = 0;
    while (!queue.isEmpty()) {
      WireFrame next = queue.peek();
      if (!batch.isEmpty() && bytes + next.bytes().length > limits.maxBatchBytes()) break;
      queue.poll();
      OutboundFrame kind = kinds.poll();
      if (!kind.droppable && kind.room != null) laggedQueued.remove(kind.room); // its lagged notice leaves
      batch.add(next);
      bytes += next.bytes().length;
    }
    queued(-bytes);
    writing = true;
    write(batch);
  }
}
