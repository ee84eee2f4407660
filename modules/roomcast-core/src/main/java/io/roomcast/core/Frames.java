package io.roomcast.core;

import io.roomcast.protocol.v1.Ack;
import io.roomcast.protocol.v1.Connected;
import io.roomcast.protocol.v1.Error;
import io.roomcast.protocol.v1.Pong;
import io.roomcast.protocol.v1.Position;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.protocol.v1.Subscribed;
import io.roomcast.protocol.v1.Unsubscribed;

/** Builders of the server frames the engine sends; {@code id} 0 means the request carried none. */
final class Frames {
  private Frames() {}

  /** {@code frame} in {@code format}'s encoding. */
  static byte[] encode(ServerFrame frame, io.roomcast.protocol.WireFormat format) {
    return format == io.roomcast.protocol.WireFormat.PROTO
        ? io.roomcast.protocol.BinaryFrames.encode(frame) : io.roomcast.protocol.JsonFrames.encode(frame);
  }

  private static ServerFrame.Builder reply(int id, boolean hasId) {
    ServerFrame.Builder b = ServerFrame.newBuilder();
    if (hasId) b.setId(id);
    return b;
  }

  /** The same bytes for every ping of every session. */
  static final OutboundFrame PING = OutboundFrame.of(
      ServerFrame.newBuilder().setPing(io.roomcast.protocol.v1.Ping.getDefaultInstance()).build());

  static ServerFrame connected(String node, String session, SessionLimits limits, Heartbeat heartbeat) {
    return ServerFrame.newBuilder()
        .setConnected(Connected.newBuilder().setNode(node).setSession(session).setMaxMessageBytes(limits.maxMessageBytes())
            .setPingIntervalMs((int) heartbeat.interval().toMillis()))
        .build();
  }

  /** @param recovered null when the client did not ask to resume */
  static ServerFrame subscribed(int id, boolean hasId, String room, StreamPosition position, Boolean recovered) {
    Subscribed.Builder s = Subscribed.newBuilder().setRoom(room)
        .setPosition(Position.newBuilder().setOffset(position.offset()).setEpoch(position.epoch()));
    if (recovered != null) s.setRecovered(recovered);
    return reply(id, hasId).setSubscribed(s).build();
  }

  /** Messages of {@code room} after {@code position} were dropped: the client resumes the room from it. */
  static ServerFrame lagged(String room, long offset, String epoch) {
    return ServerFrame.newBuilder()
        .setLagged(io.roomcast.protocol.v1.Lagged.newBuilder().setRoom(room)
            .setPosition(Position.newBuilder().setOffset(offset).setEpoch(epoch)))
        .build();
  }

  static ServerFrame unsubscribed(int id, boolean hasId, String room) {
    return reply(id, hasId).setUnsubscribed(Unsubscribed.newBuilder().setRoom(room)).build();
  }

  /** The node left {@code room} on its own ({@code code} says why, e.g. 403): a push, without an id. */
  static ServerFrame unsubscribedPush(String room, ErrorCode code) {
    return ServerFrame.newBuilder().setUnsubscribed(Unsubscribed.newBuilder().setRoom(room).setCode(code.code())).build();
  }

  static ServerFrame ack(int id, boolean hasId, long offset) {
    Ack.Builder ack = Ack.newBuilder();
    if (offset != Publication.NO_OFFSET) ack.setOffset(offset);
    return reply(id, hasId).setAck(ack).build();
  }

  static ServerFrame pong(int id, boolean hasId) {
    return reply(id, hasId).setPong(Pong.getDefaultInstance()).build();
  }

  static ServerFrame error(int id, boolean hasId, ErrorCode code, String message) {
    return reply(id, hasId).setError(Error.newBuilder().setCode(code.code()).setMessage(message)).build();
  }

  static ServerFrame disconnect(Disconnect d) {
    return ServerFrame.newBuilder()
        .setDisconnect(io.roomcast.protocol.v1.Disconnect.newBuilder()
            .setCode(d.code()).setReason(d.reason()).setReconnect(d.reconnect()).setRetryAfterMs((int) d.retryAfterMs()))
        .build();
  }
}
