package io.roomcast.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.roomcast.core.Payload;
import io.roomcast.core.Publication;
import io.roomcast.protocol.v1.Envelope;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads what arrives on a room's channel. The publish script sends an envelope: the 4 magic bytes
 * {@code C1 52 43 01} then a protobuf {@code roomcast.v1.Envelope}. Anything else is a raw payload that
 * a backend published directly; it is delivered whole, with no offset, as text when it is valid UTF-8.
 * 0xC1 never occurs in UTF-8, so no text payload can pass for an envelope; a binary one starting with
 * the magic bytes but not parsing as an envelope is still delivered raw.
 */
final class Envelopes {
  /** "\xC1RC" then the envelope format version, 1. */
  static final byte[] MAGIC = {(byte) 0xC1, 'R', 'C', 1};

  private Envelopes() {}

  /** The publication a channel message stands for; {@code receivedMs} dates raw payloads. */
  static Publication decode(String room, byte[] message, long receivedMs) {
    if (hasMagic(message)) {
      try {
        Envelope e = Envelope.parseFrom(ByteBuffer.wrap(message, MAGIC.length, message.length - MAGIC.length));
        if (e.getOffset() > 0 && e.getPayloadCase() != Envelope.PayloadCase.PAYLOAD_NOT_SET) {
          Payload payload = e.getPayloadCase() == Envelope.PayloadCase.TEXT
              ? new Payload(e.getTextBytes().toByteArray(), true)
              : new Payload(e.getData().toByteArray(), false);
          return new Publication(room, payload, e.getOffset(), e.getEpoch(), e.getTimeMs());
        }
        if (e.getDirect() && e.getOffset() == 0 && e.getPayloadCase() != Envelope.PayloadCase.PAYLOAD_NOT_SET) { // a $<session> room
          Payload payload = e.getPayloadCase() == Envelope.PayloadCase.TEXT
              ? new Payload(e.getTextBytes().toByteArray(), true)
              : new Payload(e.getData().toByteArray(), false);
          return new Publication(room, payload, Publication.NO_OFFSET, "", e.getTimeMs());
        }
      } catch (InvalidProtocolBufferException notAnEnvelope) {
        // fall through: a binary payload that merely starts like an envelope
      }
    }
    return new Publication(room, new Payload(message, isUtf8(message)), Publication.NO_OFFSET, "", receivedMs);
  }

  static boolean hasMagic(byte[] message) {
    if (message.length < MAGIC.length) return false;
    for (int i = 0; i < MAGIC.length; i++) {
      if (message[i] != MAGIC[i]) return false;
    }
    return true;
  }

  static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
