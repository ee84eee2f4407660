package io.roomcast.it;

import io.roomcast.it.ChaosLog.Delivered;
import io.roomcast.it.ChaosLog.Event;
import io.roomcast.it.ChaosLog.Reconnected;
import io.roomcast.it.ChaosLog.Reset;
import io.roomcast.it.ChaosLog.Start;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Judges a chaos run from what the publishers were told and what each subscriber saw, room by room:
 * <ul>
 *   <li>in one epoch, each subscriber gets offsets one after another: a skipped offset that no reset
 *       announced is a <em>silent gap</em>, an offset at or below the last is a <em>regress</em>, a new
 *       epoch that arrives without a reset is a <em>silent epoch change</em>;</li>
 *   <li>no subscriber gets a message twice in one epoch, and no position (epoch, offset) carries two
 *       different messages (<em>offset reused</em>), nor one message two positions of one epoch
 *       (<em>stored twice</em>);</li>
 *   <li>every acknowledged message that Redis still holds at the end reaches every subscriber of its
 *       room; an acknowledged message Redis no longer holds may be missing only where a reset announced
 *       the jump over its position ({@code lost, announced}), and, when the run promised durable acks
 *       ({@code publish-replicas >= 1}), not even there.</li>
 * </ul>
 * Pure: no clock, no I/O; the unit test feeds it hand-made logs.
 */
final class ChaosChecker {
  /** What a publisher was told: {@code epoch} is null when the door it used answers with the offset only. */
  record Ack(String room, String id, long offset, String epoch, String via) {}

  /** A message Redis holds at the end of the run, read from the room's history. */
  record Held(String room, String id, String epoch, long offset) {}

  /** Whether an acknowledged message may be missing at all (publish-replicas >= 1). */
  private final boolean durableAcks;

  ChaosChecker(boolean durableAcks) {
    this.durableAcks = durableAcks;
  }

  /**
   * @param published every id a publisher tried to publish, with its room
   * @param acks what the publishers were told (one per acknowledged id)
   * @param logs every subscriber's log
   * @param held what Redis holds at the end, every room
   */
  ChaosReport check(Map<String, String> published, Collection<Ack> acks, Collection<ChaosLog> logs, Collection<Held> held) {
    ChaosReport r = new ChaosReport();
    r.published = published.size();
    r.acknowledged = acks.size();
    positions(logs, held, r);
    for (ChaosLog log : logs) sequence(log, r);
    Set<String> heldIds = new HashSet<>();
    for (Held h : held) heldIds.add(h.room() + "\0" + h.id());
    Map<String, List<Seen>> byRoom = new HashMap<>();
    for (ChaosLog log : logs) byRoom.computeIfAbsent(log.room, k -> new ArrayList<>()).add(new Seen(log));
    for (Ack a : acks) missing(a, byRoom.getOrDefault(a.room(), List.of()), heldIds.contains(a.room() + "\0" + a.id()), r);
    replayLatencies(logs, r);
    return r;
  }

  /** Every position (room, epoch, offset) carries one message, and one message one position per epoch. */
  private void positions(Collection<ChaosLog> logs, Collection<Held> held, ChaosReport r) {
    Map<String, String> idAt = new HashMap<>();
    Map<String, String> whereIs = new HashMap<>();
    Set<String> reported = new HashSet<>();
    for (ChaosLog log : logs) {
      for (Event e : log.events()) {
        if (e instanceof Delivered d && d.offset() > 0) place(log.room, d.epoch(), d.offset(), d.id(), "delivered to " + log.name, idAt, whereIs, reported, r);
      }
    }
    for (Held h : held) place(h.room(), h.epoch(), h.offset(), h.id(), "held by Redis", idAt, whereIs, reported, r);
  }

  private void place(String room, String epoch, long offset, String id, String source,
      Map<String, String> idAt, Map<String, String> whereIs, Set<String> reported, ChaosReport r) {
    String position = room + " " + epoch + ":" + offset;
    String there = idAt.putIfAbsent(position, id);
    if (there != null && !there.equals(id) && reported.add(position)) {
      r.offsetsReused++;
      r.violation("offset reused", "offset reused: " + position + " carried '" + there + "' and '" + id + "' (" + source + ")");
    }
    String key = room + "\0" + epoch + "\0" + id;
    String at = whereIs.putIfAbsent(key, epoch + ":" + offset);
    if (at == null) r.positions.computeIfAbsent(room + "\0" + id, k -> new ArrayList<>()).add(epoch + ":" + offset);
    if (at != null && !at.equals(epoch + ":" + offset) && reported.add("twice " + key)) {
      r.storedTwice++;
      r.violation("stored twice", "stored twice: '" + id + "' in " + room + " at " + at + " and " + epoch + ":" + offset + " of one epoch");
    }
  }

  /** One subscriber's stream: contiguous offsets in each epoch, epochs changing only at a reset, nothing twice. */
  private void sequence(ChaosLog log, ChaosReport r) {
    String epoch = null;
    long offset = 0;
    Set<String> seen = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (Event e : log.events()) {
      if (e instanceof Start s) {
        epoch = s.epoch();
        offset = s.offset();
      } else if (e instanceof Reset s) {
        r.resets++;
        if (s.offset() < 0) r.violation("refused", log + ": refused its room (reset to -1) during the run");
        epoch = s.epoch();
        offset = s.offset();
      } else if (e instanceof Delivered d) {
        r.delivered++;
        if (d.offset() == 0) continue; // injected without an offset: no order to judge
        if (epoch == null) {
          r.violation("early message", log + ": message " + d.epoch() + ":" + d.offset() + " before the subscription was confirmed");
          epoch = d.epoch();
          offset = d.offset();
          continue;
        }
        if (!seen.add(d.epoch() + "\0" + d.id())) {
          r.duplicated++;
          r.violation("duplicate", log + ": duplicate '" + d.id() + "' at " + d.epoch() + ":" + d.offset()
              + (r.wants("duplicate") ? ", saw " + story(log, d.epoch()) : ""));
          if (d.epoch().equals(epoch) && d.offset() <= offset) continue;
        } else if (!ids.add(d.id())) {
          r.redeliveredAfterReset++; // the same message again in another epoch: a retry after Redis lost the first
        }
        if (d.epoch().equals(epoch)) {
          if (d.offset() <= offset) {
            r.regressions++;
            r.violation("regress", log + ": regress, " + d.epoch() + ":" + d.offset() + " after " + offset);
          } else if (d.offset() > offset + 1) {
            r.silentGaps++;
            r.violation("silent gap", log + ": silent gap, " + epoch + ":" + (offset + 1) + ".." + (d.offset() - 1) + " never delivered nor announced");
          }
        } else if (!(epoch.isEmpty() && offset == 0 && d.offset() == 1)) {
          r.silentEpochChanges++;
          r.violation("silent epoch change", log + ": silent epoch change from " + epoch + ":" + offset + " to " + d.epoch() + ":" + d.offset() + " without a reset"
              + (r.wants("silent epoch change") ? ", saw " + events(log) : ""));
        }
        epoch = d.epoch();
        offset = d.offset();
      }
    }
  }

  /** An acknowledged message some subscriber of its room never got: allowed only where a reset announced the jump. */
  private void missing(Ack a, List<Seen> logs, boolean held, ChaosReport r) {
    boolean lost = false;
    for (Seen seen : logs) {
      if (seen.ids.contains(a.id())) continue;
      lost = true;
      List<String> where = positionsOf(a, r);
      String what = seen.log + ": acknowledged '" + a.id() + "' (" + a.via() + ", " + where + ")";
      if (held) {
        r.lostSilently++;
        r.violation("held, not delivered", what + " is held by Redis but was never delivered"
            + (r.wants("held, not delivered") ? "; saw " + story(seen.log, where.get(0).substring(0, where.get(0).lastIndexOf(':'))) : ""));
      } else if (seen.covers(where)) {
        r.lostAnnounced++;
        if (durableAcks) {
          String kind = "acked lost despite publish-replicas";
          r.violation(kind, what + " was lost though publish-replicas >= 1"
              + (r.wants(kind) && !where.get(0).startsWith("?") ? "; saw " + story(seen.log, where.get(0).substring(0, where.get(0).lastIndexOf(':'))) : ""));
        }
      } else {
        r.lostSilently++;
        r.violation("lost silently", what + " never delivered and no reset announced its loss");
      }
    }
    if (lost) r.lost++;
  }

  /** What {@code log} saw of {@code epoch}: resets as "reset@N", runs of offsets as "a-b"; other epochs as "|". */
  /** Every event of {@code log} in short, epochs by their last 4 characters: what a subscriber saw across epochs. */
  static String events(ChaosLog log) {
    StringBuilder b = new StringBuilder("[");
    for (Event e : log.events()) {
      if (e instanceof Delivered d) b.append(tail(d.epoch())).append(':').append(d.offset()).append(' ');
      else if (e instanceof Reset x) b.append("reset@").append(tail(x.epoch())).append(':').append(x.offset()).append(' ');
      else if (e instanceof Start x) b.append("start@").append(tail(x.epoch())).append(':').append(x.offset()).append(' ');
      else if (e instanceof Reconnected) b.append("reconnect ");
    }
    return b.toString().trim() + "]";
  }

  private static String tail(String epoch) {
    return epoch.length() <= 4 ? epoch : epoch.substring(epoch.length() - 4);
  }

  static String story(ChaosLog log, String epoch) {
    StringBuilder b = new StringBuilder("[");
    long runStart = -1;
    long last = -1;
    for (Event e : log.events()) {
      long o = e instanceof Delivered d && d.epoch().equals(epoch) ? d.offset() : -1;
      if (o >= 0 && runStart >= 0 && o == last + 1) {
        last = o;
        continue;
      }
      if (runStart >= 0) b.append(runStart == last ? "" + runStart : runStart + "-" + last).append(' ');
      runStart = -1;
      if (o >= 0) {
        runStart = o;
        last = o;
      } else if (e instanceof Reset x) {
        b.append(x.epoch().equals(epoch) ? "reset@" + x.offset() + " " : "reset@other ");
      } else if (e instanceof Reconnected) {
        b.append("reconnect ");
      }
    }
    if (runStart >= 0) b.append(runStart == last ? "" + runStart : runStart + "-" + last);
    return b.toString().trim() + "]";
  }

  /** Where the message was stored, as far as anyone saw: "epoch:offset", or "?:offset" from its ack alone. */
  private static List<String> positionsOf(Ack a, ChaosReport r) {
    List<String> where = new ArrayList<>(r.positions.getOrDefault(a.room() + "\0" + a.id(), List.of()));
    if (where.isEmpty()) where.add((a.epoch() == null ? "?" : a.epoch()) + ":" + a.offset());
    return where;
  }

  /** A subscriber's log boiled down to what judging a missing message needs. */
  private static final class Seen {
    final ChaosLog log;
    final Set<String> ids = new HashSet<>();
    /** Every reset: where the subscriber stood, and where the stream went on. */
    final List<Jump> jumps = new ArrayList<>();
    /** Every epoch the subscriber stood in. */
    final Set<String> stoodIn = new HashSet<>();

    Seen(ChaosLog log) {
      this.log = log;
      String epoch = null;
      long offset = 0;
      for (Event e : log.events()) {
        if (e instanceof Start s) {
          epoch = s.epoch();
          offset = s.offset();
        } else if (e instanceof Reset s) {
          jumps.add(new Jump(epoch, offset, s.epoch(), s.offset()));
          epoch = s.epoch();
          offset = s.offset();
        } else if (e instanceof Delivered d) {
          ids.add(d.id());
          if (d.offset() > 0) {
            epoch = d.epoch();
            offset = d.offset();
          }
        }
        if (epoch != null) stoodIn.add(epoch);
      }
    }

    /**
     * Whether a reset told the subscriber that a message at one of {@code where} ("epoch:offset", epoch
     * "?" when unknown) would not come: it jumped from before it in its epoch to elsewhere, or to a
     * position at or past it, or the message's epoch is one the subscriber never stood in though it
     * was reset.
     */
    boolean covers(List<String> where) {
      if (jumps.isEmpty()) return false;
      for (String w : where) {
        int colon = w.lastIndexOf(':');
        String e = w.substring(0, colon);
        long o = Long.parseLong(w.substring(colon + 1));
        boolean unknown = e.equals("?");
        for (Jump j : jumps) {
          if ((unknown || e.equals(j.fromEpoch)) && o > j.fromOffset) return true;
          if ((unknown || e.equals(j.toEpoch)) && o <= j.toOffset) return true;
        }
        if (!unknown && !stoodIn.contains(e)) return true;
      }
      return false;
    }
  }

  private record Jump(String fromEpoch, long fromOffset, String toEpoch, long toOffset) {}

  /** How long messages published while a subscriber was away waited after its reconnect to arrive. */
  private static void replayLatencies(Collection<ChaosLog> logs, ChaosReport r) {
    for (ChaosLog log : logs) {
      long reconnectedAt = -1;
      for (Event e : log.events()) {
        if (e instanceof Reconnected c) {
          reconnectedAt = c.atMs();
        } else if (e instanceof Delivered d && d.atMs() > 0) {
          long latency = d.atMs() - d.timeMs();
          r.deliveryLatenciesMs.add(latency);
          if (reconnectedAt >= 0 && d.timeMs() < reconnectedAt) r.replayLatenciesMs.add(latency);
        }
      }
    }
  }
}
