package io.roomcast.protocol;

import java.util.Optional;

/** The two encodings of protocol v1, each named by the WebSocket subprotocol that selects it. */
public enum WireFormat {
  /** Binary messages of varint-length-delimited protobuf frames; the default. */
  PROTO("roomcast.v1.proto", true),
  /** Text messages of frames in protobuf's JSON mapping, one object per line. */
  JSON("roomcast.v1.json", false);

  private final String subprotocol;
  private final boolean binary;

  WireFormat(String subprotocol, boolean binary) {
    this.subprotocol = subprotocol;
    this.binary = binary;
  }

  public String subprotocol() {
    return subprotocol;
  }

  /** Whether frames of this format travel in binary WebSocket messages (else text). */
  public boolean binary() {
    return binary;
  }

  public static Optional<WireFormat> forSubprotocol(String name) {
    for (WireFormat f : values()) {
      if (f.subprotocol.equals(name)) return Optional.of(f);
    }
    return Optional.empty();
  }
}
