package io.roomcast.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.PresenceConfig;
import io.roomcast.core.PresenceCounts;
import io.roomcast.core.PresenceEvent;
import io.roomcast.core.PresenceMember;
import io.roomcast.core.TooManyMembersException;
import io.roomcast.protocol.v1.Envelope;
import io.roomcast.protocol.v1.Member;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link io.roomcast.core.Presence} in Redis: each room's members in keys of the room's hash slot,
 * written by one script (presence.lua) that also publishes joins and leaves on the room's channel, where
 * every node's {@link RedisBroker} hears them. A refresh is one script call per room with members on
 * this node, O(1) each (the node's expiry, and a count to compare), all sent at once on the broker's
 * command connection (a pipeline); a room whose count differs from the node's gets a full sync.
 */
final class RedisPresence implements io.roomcast.core.Presence {
  /** Every this-many refreshes, each room is synced in full even when the counts agree. */
  static final int FULL_SYNC_EVERY = 12;

  private final RedisBroker broker;
  private final String prefix;
  private final byte[] node;
  private final PresenceConfig config;
  private final boolean sharded;
  /** Joins and leaves the scripts of this node published (a sweep publishes whichever leaves fell due). */
  private final Counter eventsPublished;
  private final Counter refreshCalls;
  private final Counter syncs;
  /** Refreshes so far, for the periodic full sync. */
  private final AtomicLong refreshes = new AtomicLong();

  RedisPresence(RedisBroker broker, String node, PresenceConfig config, MeterRegistry registry) {
    this.broker = broker;
    this.prefix = broker.config().keyPrefix();
    this.node = utf8(node);
    this.config = config;
    this.sharded = broker.config().topology() == RedisBrokerConfig.Topology.CLUSTER;
    this.eventsPublished = Counter.builder(RedisMetrics.PRESENCE_EVENTS).register(registry);
    this.refreshCalls = Counter.builder(RedisMetrics.PRESENCE_CALLS).tag("op", "refresh").register(registry);
    this.syncs = Counter.builder(RedisMetrics.PRESENCE_CALLS).tag("op", "sync").register(registry);
  }

  /** The presence keys of {@code room} in the script's order, then its channel. */
  byte[][] keys(String room) {
    if (room.isEmpty()) throw new IllegalArgumentException("room must not be empty");
    String p = prefix + "{" + room + "}:presence";
    return new byte[][] {utf8(p), utf8(p + ":users"), utf8(p + ":nodes"), utf8(p + ":idx"), utf8(p + ":gone"), utf8(p + ":last"),
        utf8(prefix + "{" + room + "}")};
  }

  private CompletionStage<List<Object>> call(String room, String op, byte[]... extra) {
    byte[][] args = new byte[6 + extra.length][];
    args[0] = utf8(op);
    args[1] = node;
    args[2] = ascii(config.ttl().toMillis());
    args[3] = ascii(config.grace().toMillis());
    args[4] = utf8(sharded ? "1" : "0");
    args[5] = ascii(keyTtlMillis());
    System.arraycopy(extra, 0, args, 6, extra.length);
    return broker.run("presence " + op + " in " + room, Script.PRESENCE, keys(room), args).thenApply(reply -> {
      long events = (Long) reply.get(0);
      if (events > 0) eventsPublished.increment(events);
      return reply;
    });
  }

  /** Every key of a room's presence outlives the last write by the ttl and the grace, with a margin. */
  private long keyTtlMillis() {
    return config.ttl().plus(config.grace()).toMillis() * 2 + 1000;
  }

  @Override
  public CompletionStage<Void> join(String room, PresenceMember m) {
    return call(room, "join", utf8(m.session()), utf8(m.user()), m.toProto().toByteArray()).thenApply(r -> null);
  }

  @Override
  public CompletionStage<Void> leave(String room, PresenceMember m) {
    return call(room, "leave", utf8(m.session()), utf8(m.user())).thenApply(r -> null);
  }

  @Override
  public CompletionStage<Void> refresh(Map<String, ? extends Collection<PresenceMember>> local) {
    boolean full = refreshes.incrementAndGet() % FULL_SYNC_EVERY == 0;
    List<CompletableFuture<Void>> calls = new ArrayList<>(local.size());
    for (var e : local.entrySet()) {
      String room = e.getKey();
      Collection<PresenceMember> members = e.getValue();
      CompletionStage<Void> done;
      if (full) {
        done = sync(room, members);
      } else {
        refreshCalls.increment();
        done = call(room, "refresh").thenCompose(reply -> (Long) reply.get(1) == members.size()
            ? CompletableFuture.<Void>completedFuture(null) : sync(room, members));
      }
      calls.add(done.toCompletableFuture());
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
  }

  private CompletionStage<Void> sync(String room, Collection<PresenceMember> members) {
    syncs.increment();
    byte[][] triples = new byte[members.size() * 3][];
    int i = 0;
    for (PresenceMember m : members) {
      triples[i++] = utf8(m.session());
      triples[i++] = utf8(m.user());
      triples[i++] = m.toProto().toByteArray();
    }
    return call(room, "sync", triples).thenApply(r -> null);
  }

  @Override
  public CompletionStage<List<PresenceMember>> members(String room, int max) {
    return call(room, "members", ascii(max)).thenApply(reply -> {
      long total = (Long) reply.get(1);
      if (total > max) throw new TooManyMembersException(total);
      List<PresenceMember> out = new ArrayList<>(reply.size() - 2);
      for (int i = 2; i < reply.size(); i++) out.add(PresenceMember.fromProto(parse((byte[]) reply.get(i))));
      return out;
    });
  }

  @Override
  public CompletionStage<PresenceCounts> counts(String room) {
    return call(room, "stats").thenApply(reply -> new PresenceCounts((Long) reply.get(1), (Long) reply.get(2)));
  }

  /** The join or leave a channel message carries, or null when it is not one (a message, a raw payload). */
  static PresenceEvent event(String room, byte[] message) {
    if (message.length <= Envelopes.MAGIC.length || !Envelopes.hasMagic(message)) return null;
    byte tag = message[Envelopes.MAGIC.length];
    if (tag != 0x32 && tag != 0x3A) return null; // presence.lua writes field 6 (join) or 7 (leave) alone
    try {
      Envelope e = Envelope.parseFrom(ByteBuffer.wrap(message, Envelopes.MAGIC.length, message.length - Envelopes.MAGIC.length));
      if (e.hasJoin()) return new PresenceEvent(room, true, PresenceMember.fromProto(e.getJoin()));
      if (e.hasLeave()) return new PresenceEvent(room, false, PresenceMember.fromProto(e.getLeave()));
    } catch (InvalidProtocolBufferException | IllegalArgumentException notAnEvent) {
      // a raw payload that merely starts like one
    }
    return null;
  }

  private static Member parse(byte[] bytes) {
    try {
      return Member.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a presence entry that is not a Member", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }
}
