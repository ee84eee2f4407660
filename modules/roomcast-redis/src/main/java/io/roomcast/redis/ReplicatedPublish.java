package io.roomcast.redis;

import io.roomcast.core.BrokerUnavailableException;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A publish acknowledged only once {@code replicas} replicas hold it ({@code publish-replicas}): the
 * script, then {@code WAIT replicas timeout} on the same server connection, since WAIT counts the
 * replicas that acknowledged that connection's last write. WAIT cannot run inside a script. A publish
 * that an idempotency key repeats writes too (it refreshes the key), so that a retry's WAIT also covers
 * the first attempt's write: replication is in order.
 */
final class ReplicatedPublish {
  private ReplicatedPublish() {}

  /**
   * Redis stored the publish but fewer replicas than asked acknowledged it in time. The caller gets
   * 503 and may retry with the same idempotency key. Not a sign that Redis is down: the circuit
   * breaker does not count it.
   */
  static final class NotReplicatedException extends BrokerUnavailableException {
    NotReplicatedException(String message) {
      super(message);
    }
  }

  static CompletionStage<List<Object>> run(RedisLink link, byte[] slotKey, byte[][] keys, byte[][] args, int replicas,
      long waitMillis) {
    return link.durable(slotKey).thenCompose(redis -> Script.PUBLISH.run(redis, keys, args)
        .thenCompose(reply -> redis.waitForReplication(replicas, waitMillis).thenApply(acks -> {
          if (acks < replicas) {
            throw new NotReplicatedException("publish stored but acknowledged by " + acks + " of " + replicas
                + " replicas within " + waitMillis + " ms; retry it with the same idempotency key");
          }
          return reply;
        })));
  }
}
