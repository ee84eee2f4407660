package io.roomcast.it;

import io.roomcast.client.ReceivedMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** What one client received in one room, in arrival order. */
final class Inbox implements Consumer<ReceivedMessage> {
  final List<ReceivedMessage> messages = new CopyOnWriteArrayList<>();

  @Override
  public void accept(ReceivedMessage m) {
    messages.add(m);
  }

  List<String> texts() {
    return messages.stream().map(ReceivedMessage::textPayload).toList();
  }

  /** Offsets of the messages that carry one, in arrival order. */
  List<Long> offsets() {
    return messages.stream().filter(m -> m.offset() > 0).map(ReceivedMessage::offset).toList();
  }
}
