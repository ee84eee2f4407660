package io.roomcast.loadtest;

import io.gatling.http.action.ws.WsInboundMessage;
import io.roomcast.protocol.v1.ServerFrame;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One publishing connection: sends stamped messages to its room in batches and matches acks to
 * sends by request id. Used by one virtual user at a time.
 */
final class Publisher {
  final String room;
  private final int batch;
  private final int payloadBytes;
  private final Stats stats = Stats.RUN;
  /** Send time (epoch micros) of each request awaiting its ack. */
  private final Map<Integer, Long> inFlight = new ConcurrentHashMap<>();
  private int nextId = 1;

  Publisher(String room, int batch, int payloadBytes) {
    this.room = room;
    this.batch = batch;
    this.payloadBytes = payloadBytes;
  }

  /** The next WebSocket message: {@code batch} publish frames. */
  byte[] nextBatch() {
    long now = Wire.nowMicros();
    stats.firstPublishMs.compareAndSet(0, now / 1000);
    byte[] bytes = Wire.publishBatch(nextId, room, batch, payloadBytes);
    for (int i = 0; i < batch; i++) inFlight.put(nextId + i, now);
    nextId += batch;
    stats.published.add(batch);
    return bytes;
  }

  void onInbound(List<WsInboundMessage> messages) {
    for (WsInboundMessage m : messages) {
      if (!(m instanceof WsInboundMessage.Binary b)) continue;
      for (ServerFrame f : Wire.decode(b.message())) {
        Long sentAt = f.hasId() ? inFlight.remove(f.getId()) : null;
        switch (f.getKindCase()) {
          case ACK -> stats.acked(room, f.getAck().getOffset(), sentAt == null ? -1 : Math.max(0, b.timestamp() * 1000 - sentAt));
          case ERROR -> {
            Stats.count(stats.errorCodes, f.getError().getCode());
            stats.refusedPublishes.increment();
          }
          case DISCONNECT -> Stats.count(stats.disconnectCodes, f.getDisconnect().getCode());
          default -> { }
        }
      }
    }
  }

  /** Publishes still awaiting their ack. */
  int unanswered() {
    return inFlight.size();
  }
}
