package io.roomcast.redis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.BrokerListener;
import io.roomcast.core.Presence;
import io.roomcast.core.PresenceConfig;
import io.roomcast.core.PresenceCounts;
import io.roomcast.core.PresenceEvent;
import io.roomcast.core.PresenceMember;
import io.roomcast.core.Publication;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** A node of the presence contract on Redis: its own broker (subscribed to the test's rooms) and the presence on it, closed together. */
final class PresenceNodes {
  private PresenceNodes() {}

  static Presence node(String uri, String node, PresenceConfig config, Consumer<PresenceEvent> events, String... rooms) {
    Broker broker = RedisBrokers.create(Fixtures.contractConfig(uri), new SimpleMeterRegistry());
    broker.start(new BrokerListener() {
      @Override
      public void onPublication(Publication publication) {
      }

      @Override
      public void onPresence(PresenceEvent event) {
        events.accept(event);
      }
    });
    for (String room : rooms) Fixtures.join(broker.subscribe(room));
    Presence presence = RedisBrokers.presence(broker, node, config, new SimpleMeterRegistry());
    return new Presence() {
      @Override
      public CompletionStage<Void> join(String room, PresenceMember member) {
        return presence.join(room, member);
      }

      @Override
      public CompletionStage<Void> leave(String room, PresenceMember member) {
        return presence.leave(room, member);
      }

      @Override
      public CompletionStage<Void> refresh(Map<String, ? extends Collection<PresenceMember>> local) {
        return presence.refresh(local);
      }

      @Override
      public CompletionStage<List<PresenceMember>> members(String room, int max) {
        return presence.members(room, max);
      }

      @Override
      public CompletionStage<PresenceCounts> counts(String room) {
        return presence.counts(room);
      }

      @Override
      public void close() {
        presence.close();
        broker.close();
      }
    };
  }
}
