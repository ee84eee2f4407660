package io.roomcast.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A single Redis server, or the primary that Sentinel names (Lettuce asks the sentinels again on every
 * reconnect, so the link follows a failover). Classic SUBSCRIBE/PUBLISH, so that a backend's plain
 * {@code PUBLISH} reaches the room.
 */
final class StandaloneLink implements RedisLink {
  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> commands;
  private final StatefulRedisPubSubConnection<byte[], byte[]> pubsub;

  StandaloneLink(RedisClient client, RedisURI uri, Sink sink) {
    this.client = client;
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
        if (connection instanceof StatefulRedisPubSubConnection) sink.onPubSubConnected();
      }
    });
    StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uri);
    try {
      this.pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE, uri);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    this.commands = c;
    pubsub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(byte[] channel, byte[] message) {
        sink.onMessage(channel, message);
      }
    });
  }

  @Override
  public RedisScriptingAsyncCommands<byte[], byte[]> scripting() {
    return commands.async();
  }

  @Override
  public boolean sharded() {
    return false;
  }

  @Override
  public CompletionStage<Void> subscribe(List<byte[]> channels) {
    return pubsub.async().subscribe(channels.toArray(new byte[0][]));
  }

  @Override
  public CompletionStage<Void> unsubscribe(byte[] channel) {
    return pubsub.async().unsubscribe(channel);
  }

  @Override
  public boolean connected() {
    return commands.isOpen() && pubsub.isOpen();
  }

  @Override
  public void close() {
    pubsub.close();
    commands.close();
    client.shutdown();
  }
}
