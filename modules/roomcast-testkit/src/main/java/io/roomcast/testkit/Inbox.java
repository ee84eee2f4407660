package io.roomcast.testkit;

import io.roomcast.client.ReceivedMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** What one Java client received in one room, in arrival order; pass it to {@code subscribe}. */
public final class Inbox implements Consumer<ReceivedMessage> {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Every message received so far; appended by the client's thread, read by the test's. */
  public final List<ReceivedMessage> messages = new CopyOnWriteArrayList<>();

  @Override
  public void accept(ReceivedMessage m) {
    messages.add(m);
  }

  public List<String> texts() {
    return messages.stream().map(ReceivedMessage::textPayload).toList();
  }

  /** Offsets of the messages that carry one, in arrival order. */
  public List<Long> offsets() {
    return messages.stream().filter(m -> m.offset() > 0).map(ReceivedMessage::offset).toList();
  }

  /** Waits until {@code text} arrived, failing with what did arrive. */
  public void awaitText(String text) {
    try {
      Poll.until("message '" + text + "' arrives", WAIT, () -> texts().contains(text));
    } catch (IllegalStateException e) {
      throw new AssertionError("'" + text + "' did not arrive; received " + texts(), e);
    }
  }

  /** Waits until at least {@code count} messages arrived. */
  public void awaitCount(int count) {
    try {
      Poll.until(count + " messages arrive", WAIT, () -> messages.size() >= count);
    } catch (IllegalStateException e) {
      throw new AssertionError(count + " messages did not arrive; received " + texts(), e);
    }
  }
}
