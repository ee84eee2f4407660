package io.roomcast.it;

import io.roomcast.client.ReceivedMessage;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What one subscriber saw of its room, in the order it saw it: where its subscription started, each
 * message (by the id its publisher put in the payload), every reset announced to it (a
 * {@code subscribed} with {@code recovered: false}, or pushed while connected) and its reconnects.
 * The {@link ChaosChecker} judges it; tests also build logs by hand.
 */
final class ChaosLog implements Consumer<ReceivedMessage> {
  sealed interface Event permits Start, Delivered, Reset, Reconnected {}

  /** The position the room stood at when the subscription was confirmed. */
  record Start(String epoch, long offset) implements Event {}

  /** A message given to the application; {@code timeMs} is when the broker accepted it, {@code atMs} when it arrived. */
  record Delivered(String id, String epoch, long offset, long timeMs, long atMs) implements Event {}

  /** The stream does not go on where the subscriber stood: it goes on after {@code offset} of {@code epoch}. */
  record Reset(String epoch, long offset) implements Event {}

  /** The subscriber's connection came back at {@code atMs} (its rooms are being resumed). */
  record Reconnected(long atMs) implements Event {}

  final String name;
  final String room;
  /** Everything seen so far; appended by the client's threads, read by the checker after the run. */
  private final List<Event> events = new CopyOnWriteArrayList<>();
  /** The ids of every message delivered, for quick look-ups while the run settles. */
  private final Set<String> ids = ConcurrentHashMap.newKeySet();

  ChaosLog(String name, String room) {
    this.name = name;
    this.room = room;
  }

  ChaosLog start(String epoch, long offset) {
    events.add(new Start(epoch, offset));
    return this;
  }

  ChaosLog deliver(String id, String epoch, long offset) {
    events.add(new Delivered(id, epoch, offset, 0, 0));
    ids.add(id);
    return this;
  }

  ChaosLog reset(String epoch, long offset) {
    events.add(new Reset(epoch, offset));
    return this;
  }

  ChaosLog reconnected(long atMs) {
    events.add(new Reconnected(atMs));
    return this;
  }

  @Override
  public void accept(ReceivedMessage m) {
    events.add(new Delivered(m.textPayload(), m.epoch(), m.offset(), m.timeMs(), System.currentTimeMillis()));
    ids.add(m.textPayload());
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  /** Whether the message with {@code id} arrived (in any epoch). */
  boolean delivered(String id) {
    return ids.contains(id);
  }

  /** Whether a reset was announced to this subscriber. */
  boolean wasReset() {
    return events.stream().anyMatch(e -> e instanceof Reset);
  }

  @Override
  public String toString() {
    return name + "@" + room;
  }
}
