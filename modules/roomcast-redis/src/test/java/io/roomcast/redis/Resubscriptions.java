package io.roomcast.redis;

import io.roomcast.core.BrokerListener;
import io.roomcast.core.Publication;
import io.roomcast.core.Recorder;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A listener that records publications in a {@link Recorder} and, apart, every onResubscribed. */
final class Resubscriptions implements BrokerListener {
  final Recorder publications = new Recorder();
  /** The rooms of every onResubscribed call, in order. */
  final ConcurrentLinkedQueue<String> rooms = new ConcurrentLinkedQueue<>();

  @Override
  public void onPublication(Publication publication) {
    publications.onPublication(publication);
  }

  @Override
  public void onResubscribed(String room) {
    rooms.add(room);
  }

  List<String> of(String room) {
    return rooms.stream().filter(room::equals).toList();
  }
}
