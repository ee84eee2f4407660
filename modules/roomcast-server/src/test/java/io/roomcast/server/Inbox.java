package io.roomcast.server;

import static org.awaitility.Awaitility.await;

import io.roomcast.client.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Collects a subscriber's messages, for assertions. */
final class Inbox implements Consumer<ReceivedMessage> {
  final List<ReceivedMessage> messages = new CopyOnWriteArrayList<>();

  @Override
  public void accept(ReceivedMessage m) {
    messages.add(m);
  }

  List<String> texts() {
    return messages.stream().map(ReceivedMessage::textPayload).toList();
  }

  /** Waits until {@code text} arrived, failing with what did arrive. */
  void awaitText(String text) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
        .alias("message '" + text + "' among " + texts())
        .until(() -> texts().contains(text));
  }
}
