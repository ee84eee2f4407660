package io.roomcast.core;

import java.util.function.Function;

/**
 * One encoded server frame, as the transport gets it. A frame that goes to many sessions (a room
 * message) is one object per node and wire format, {@link #shared()}, with a slot the transport may
 * fill once with a form of its own making (permessage-deflate's compressed bytes, say): the first
 * I/O thread that needs it makes it, the others reuse it. A frame for one session alone (a reply, a
 * ping, a notice) is not shared, so work on it would not be reused.
 */
public final class WireFrame {
  private final byte[] bytes;
  private final boolean shared;
  /** The transport's form of {@link #bytes}, made on first use; null until then. */
  private volatile Object transportForm;

  private WireFrame(byte[] bytes, boolean shared) {
    this.bytes = bytes;
    this.shared = shared;
  }

  /** A frame sent to many sessions: its transport form is made once. */
  public static WireFrame shared(byte[] bytes) {
    return new WireFrame(bytes, true);
  }

  /** A frame for one session alone. */
  public static WireFrame own(byte[] bytes) {
    return new WireFrame(bytes, false);
  }

  /** The encoded frame, in the connection's wire format; shared, never to be changed. */
  public byte[] bytes() {
    return bytes;
  }

  /** Whether many sessions send this very frame (a room message). */
  public boolean shared() {
    return shared;
  }

  /**
   * The transport's form of this frame, made by {@code make} on first use, once for all threads (one
   * that needs it meanwhile waits for it). A node has one transport, so one {@code make} per frame.
   */
  @SuppressWarnings("unchecked")
  public <T> T transportForm(Function<byte[], T> make) {
    Object f = transportForm;
    if (f != null) return (T) f;
    synchronized (this) {
      if (transportForm == null) transportForm = make.apply(bytes);
      return (T) transportForm;
    }
  }
}
