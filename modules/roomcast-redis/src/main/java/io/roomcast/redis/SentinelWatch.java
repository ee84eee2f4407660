package io.roomcast.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens to every sentinel's {@code +switch-master} announcements for our master. Needed because a
 * connection to a primary that Sentinel demotes is only cut when Sentinel reconfigures that server,
 * some 8 s after the failover (measured: 11 s); meanwhile the old primary still takes writes, whose
 * offsets the new primary hands out again. On a switch the link reconnects at once.
 */
final class SentinelWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SentinelWatch.class);
  private static final String CHANNEL = "+switch-master";

  /** One connection per sentinel that answered at start; Lettuce reconnects and resubscribes them. */
  private final List<StatefulRedisPubSubConnection<String, String>> connections = new ArrayList<>();

  SentinelWatch(RedisClient client, RedisURI uri, Runnable onSwitch) {
    String master = uri.getSentinelMasterId();
    for (RedisURI sentinel : uri.getSentinels()) {
      RedisURI plain = RedisURI.builder(sentinel).build();
      try {
        StatefulRedisPubSubConnection<String, String> c = client.connectPubSub(StringCodec.UTF8, plain);
        c.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            // "<master name> <old ip> <old port> <new ip> <new port>"
            if (CHANNEL.equals(channel) && message.startsWith(master + " ")) {
              log.info("sentinel announces a new primary: {}", message);
              onSwitch.run();
            }
          }
        });
        c.sync().subscribe(CHANNEL);
        connections.add(c);
      } catch (RuntimeException e) {
        log.warn("cannot watch sentinel {}:{} for failovers: {}", sentinel.getHost(), sentinel.getPort(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    connections.forEach(StatefulRedisPubSubConnection::close);
  }
}
