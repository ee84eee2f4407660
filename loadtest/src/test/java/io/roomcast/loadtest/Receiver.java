package io.roomcast.loadtest;

import io.gatling.http.action.ws.WsInboundMessage;
import io.roomcast.protocol.v1.Message;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import java.util.List;

/**
 * One receiving connection's view of its room: the last offset and epoch seen, so that every gap is
 * counted and a reconnect resumes from there. Touched by one virtual user (or one slow-reader thread)
 * at a time; Gatling hands a session from action to action with a happens-before edge.
 */
final class Receiver {
  final Stats.Group group;
  final String room;
  private final Stats stats = Stats.RUN;
  /** The epoch of {@link #last}; null before the first subscribed. */
  private String epoch;
  /** The last offset delivered (or the subscription's starting position); -1 before. */
  private long last = -1;
  /** Request ids, one per subscribe. */
  private int nextId = 1;
  /** A server ping came and no pong went out yet. */
  private boolean pingPending;
  /** The server sent a disconnect frame since the last reconnect. */
  private boolean disconnected;
  /** Where this receiver's stream began (the first subscribed position); -1 before. */
  private long startOffset = -1;
  /** Messages delivered in order with a new offset. */
  private long unique;
  /** A frame went out since the last drain: Gatling then cleared its buffer of unread messages. */
  private boolean sentSinceDrain;
  /** When the connection was lost (disconnect frame or our own close), epoch micros; 0 when connected. */
  private long lostAtMicros;

  Receiver(Stats.Group group, String room) {
    this.group = group;
    this.room = room;
    stats.receivers.get(group).increment();
    stats.allReceivers.add(this);
  }

  /**
   * Messages of the room this receiver never got: the room's highest offset seen anywhere minus
   * where it started and what it received. Valid within one epoch (rooms of a run are fresh).
   */
  long missing() {
    if (startOffset < 0) return 0;
    return Math.max(0, stats.maxOffset(room) - startOffset - unique);
  }

  /** Whether the first subscribe was answered. */
  boolean started() {
    return startOffset >= 0;
  }

  /** Notes that the virtual user sent a frame: Gatling drops what it buffered and we did not drain yet. */
  void sent() {
    sentSinceDrain = true;
  }

  /** The subscribe request: from the last position seen when there is one. */
  byte[] subscribeFrame() {
    Position since = epoch == null ? null : Position.newBuilder().setOffset(Math.max(last, 0)).setEpoch(epoch).build();
    return Wire.subscribe(nextId++, room, since);
  }

  void onInbound(List<WsInboundMessage> messages) {
    for (WsInboundMessage m : messages) {
      if (m instanceof WsInboundMessage.Binary b) onMessage(b.message(), b.timestamp());
    }
    sentSinceDrain = false;
  }

  /** Accounts for every frame of one WebSocket message received at {@code receivedAtMs}. */
  void onMessage(byte[] data, long receivedAtMs) {
    for (ServerFrame f : Wire.decode(data)) {
      switch (f.getKindCase()) {
        case MESSAGE -> onDelivery(f.getMessage(), receivedAtMs);
        case SUBSCRIBED -> onSubscribed(f.getSubscribed(), f.hasId());
        case PING -> pingPending = true;
        case CONNECTED -> {
          stats.connected.increment();
          stats.connectionsByNode.computeIfAbsent(f.getConnected().getNode(), n -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
        case ERROR -> Stats.count(stats.errorCodes, f.getError().getCode());
        case DISCONNECT -> {
          Stats.count(stats.disconnectCodes, f.getDisconnect().getCode());
          disconnected = true;
          connectionLost();
        }
        default -> { }
      }
    }
  }

  private void onDelivery(Message m, long receivedAtMs) {
    if (!m.hasOffset()) {
      stats.rawMessages.increment();
      return;
    }
    stats.delivery(group, receivedAtMs, m.getTimeMs(), Wire.stampOf(m.getData()));
    if (!m.getEpoch().equals(epoch)) { // a new stream: offsets of the old one mean nothing
      if (epoch != null) stats.resets.increment();
      epoch = m.getEpoch();
      last = m.getOffset();
      unique++;
      return;
    }
    long offset = m.getOffset();
    stats.sawOffset(room, offset);
    if (offset > last + 1 && last >= 0) {
      // Gatling clears its buffer when the user sends (a pong): a gap right after is our own doing.
      if (sentSinceDrain) stats.gapsFromClearedBuffer.add(offset - last - 1);
      else stats.gapLost.get(group).add(offset - last - 1);
    }
    if (offset <= last) stats.duplicates.get(group).increment();
    else unique++;
    last = Math.max(last, offset);
  }

  private void onSubscribed(Subscribed s, boolean reply) {
    Position p = s.getPosition();
    if (reply && startOffset < 0) startOffset = p.getOffset(); // owed every message after it
    if (reply && s.hasRecovered() && s.getRecovered()) {
      stats.recovered.increment(); // the missed messages follow, in order
    } else {
      if (s.hasRecovered() || !reply) {
        if (!reply) stats.resets.increment(); else stats.notRecovered.increment();
        if (p.getEpoch().equals(epoch) && p.getOffset() > last && last >= 0) stats.gapLost.get(group).add(p.getOffset() - last);
      }
      epoch = p.getEpoch();
      last = p.getOffset();
    }
    if (reply && lostAtMicros > 0) {
      stats.reconnect.recordValue(Math.max(0, Wire.nowMicros() - lostAtMicros));
      lostAtMicros = 0;
    }
  }

  /** Notes when the link went away (our close or the server's disconnect), once per outage. */
  void connectionLost() {
    if (lostAtMicros == 0) lostAtMicros = Wire.nowMicros();
  }

  boolean takePing() {
    boolean p = pingPending;
    pingPending = false;
    return p;
  }

  /** Whether the server sent this connection away; clears the flag. */
  boolean takeDisconnected() {
    boolean d = disconnected;
    disconnected = false;
    return d;
  }
}
