package io.roomcast.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rooms of the sessions owned by one I/O thread. Only that thread touches it, so fan-out to a
 * room walks a plain list with no locks and no session is touched from two threads.
 *
 * <p>Publications reach a shard through its inbox: one task drains every publication waiting, and
 * only then does each session it touched write, once, everything it got. Under light load a task
 * carries one publication and frames leave at once; under heavy load tasks carry many and each
 * client gets them in one WebSocket message, so the cost per delivery falls as the load rises. A
 * write delay (zero by default) holds the drain that long after the first publication, trading
 * latency for bigger messages with one timer per shard, not one per client.
 */
final class Shard {
  final Executor executor;
  /** Local subscriptions by room; a room is absent rather than empty. Touched only on {@link #executor}. */
  private final Map<String, List<Subscription>> rooms = new HashMap<>();
  /** Publications for this shard's rooms not yet delivered, oldest first. Any thread adds. */
  private final ConcurrentLinkedQueue<OutboundFrame> inbox = new ConcurrentLinkedQueue<>();
  /** Whether a drain task is queued on {@link #executor} and has not yet started taking from the inbox. */
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  /** {@link #drain} as a task, made once: an offer allocates nothing. */
  private final Runnable drainTask = this::drain;
  /** The drain in progress, handed down with each delivery; reused, as drains on one thread never overlap. */
  private final ShardDrain drain = new ShardDrain();
  /** Where deliveries are counted, once per drain. */
  private final NodeMetrics metrics;
  /** Bytes in the outbound queues of this thread's sessions; their writers add to it, scrapes read it. */
  private final QueuedBytes queuedBytes = new QueuedBytes();

  /** Schedules a delayed drain (then run on {@link #executor}); used only when {@link #delayMillis} is positive. */
  private final Scheduler scheduler;
  /** The heartbeats of this thread's sessions; made by the first session. Touched only on {@link #executor}. */
  private Heartbeats heartbeats;
  /** How long a publication may wait for others before the drain (the node's write delay). */
  private final long delayMillis;

  Shard(Executor executor, NodeMetrics metrics, Scheduler scheduler, long delayMillis) {
    this.executor = executor;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.delayMillis = delayMillis;
  }

  /** The heartbeats of this thread's sessions, on one timer. */
  Heartbeats heartbeats() {
    if (heartbeats == null) heartbeats = new Heartbeats(executor, scheduler);
    return heartbeats;
  }

  /** @return true when this is the shard's first subscription to the room */
  boolean add(Subscription s) {
    List<Subscription> members = rooms.get(s.room);
    if (members == null) {
      members = new ArrayList<>(4);
      rooms.put(s.room, members);
      members.add(s);
      return true;
    }
    members.add(s);
    return false;
  }

  /** @return true when the shard has no subscription to the room left */
  boolean remove(Subscription s) {
    List<Subscription> members = rooms.get(s.room);
    if (members == null || !members.remove(s)) return false;
    if (members.isEmpty()) {
      rooms.remove(s.room);
      return true;
    }
    return false;
  }

  /**
   * A publication of {@code frame.room} for this shard's members; called from any thread. The drain
   * runs at once, or after the write delay, gathering whatever arrived meanwhile. This is the
   * publication's one hand-off to the I/O thread: one task per busy period, not per publication, and
   * XNIO wakes the thread's selector only when it is blocked in it (a thread already running takes
   * the task with no system call).
   */
  void offer(OutboundFrame frame) {
    inbox.add(frame);
    if (!drainQueued.compareAndSet(false, true)) return;
    if (delayMillis == 0) {
      executor.execute(drainTask);
    } else {
      scheduler.schedule(() -> executor.execute(drainTask), delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Delivers every publication waiting, then has each writer that got some write them, once. */
  private void drain() {
    drainQueued.set(false); // a publication offered from now on queues another drain (which may find it taken)
    long delivered = 0;
    try {
      OutboundFrame frame;
      while ((frame = inbox.poll()) != null) delivered += deliver(frame);
    } finally {
      drain.flushAll();
    }
    if (delivered > 0) metrics.delivered.increment(delivered);
  }

  /** The bytes queued by this thread's writers, which each adds to. */
  QueuedBytes queuedBytes() {
    return queuedBytes;
  }

  /** @return how many subscriptions the frame was offered to */
  private int deliver(OutboundFrame frame) {
    List<Subscription> members = rooms.get(frame.room);
    if (members == null) return 0;
    // Delivering never removes members synchronously (sessions close on a later task), so indexing is safe.
    for (int i = 0, n = members.size(); i < n; i++) members.get(i).deliver(frame, drain);
    return frame.presenceBody != null ? 0 : members.size(); // a join or leave is no message delivery
  }
}
