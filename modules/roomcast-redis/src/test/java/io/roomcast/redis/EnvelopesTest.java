package io.roomcast.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.roomcast.core.Publication;
import io.roomcast.protocol.v1.Envelope;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopesTest {
  private static byte[] framed(Envelope e) {
    byte[] body = e.toByteArray();
    byte[] out = new byte[Envelopes.MAGIC.length + body.length];
    System.arraycopy(Envelopes.MAGIC, 0, out, 0, Envelopes.MAGIC.length);
    System.arraycopy(body, 0, out, Envelopes.MAGIC.length, body.length);
    return out;
  }

  @Test
  void decodesATextEnvelope() {
    byte[] wire = framed(Envelope.newBuilder().setText("héllo").setOffset(42).setEpoch("e1").setTimeMs(1234).build());

    Publication p = Envelopes.decode("chat", wire, 0);

    assertThat(p.room()).isEqualTo("chat");
    assertThat(p.payload().asText()).isEqualTo("héllo");
    assertThat(p.payload().text()).isTrue();
    assertThat(p.offset()).isEqualTo(42);
    assertThat(p.epoch()).isEqualTo("e1");
    assertThat(p.timeMs()).isEqualTo(1234);
  }

  @Test
  void decodesABinaryEnvelope() {
    byte[] data = {0, (byte) 0xC1, (byte) 0xff};
    byte[] wire = framed(Envelope.newBuilder().setData(ByteString.copyFrom(data)).setOffset(1).setEpoch("e").build());

    Publication p = Envelopes.decode("r", wire, 0);

    assertThat(p.payload().bytes()).containsExactly(data);
    assertThat(p.payload().text()).isFalse();
  }

  @Test
  void aRawUtf8PayloadIsTextWithoutOffsetDatedOnReceipt() {
    Publication p = Envelopes.decode("r", "hello".getBytes(StandardCharsets.UTF_8), 777);

    assertThat(p.hasOffset()).isFalse();
    assertThat(p.payload().text()).isTrue();
    assertThat(p.payload().asText()).isEqualTo("hello");
    assertThat(p.epoch()).isEmpty();
    assertThat(p.timeMs()).isEqualTo(777);
  }

  @Test
  void aRawPayloadThatIsNotUtf8IsBinary() {
    byte[] raw = {(byte) 0xff, (byte) 0xfe};

    Publication p = Envelopes.decode("r", raw, 0);

    assertThat(p.payload().text()).isFalse();
    assertThat(p.payload().bytes()).containsExactly(raw);
  }

  @Test
  void theMagicBytesFollowedByGarbageAreARawPayload() {
    byte[] raw = {(byte) 0xC1, 'R', 'C', 1, (byte) 0xff, (byte) 0xff};

    Publication p = Envelopes.decode("r", raw, 0);

    assertThat(p.hasOffset()).isFalse();
    assertThat(p.payload().bytes()).containsExactly(raw);
  }

  @Test
  void anEnvelopeWithoutOffsetIsNotTrustedAsOne() {
    byte[] wire = framed(Envelope.newBuilder().setText("x").build());

    assertThat(Envelopes.decode("r", wire, 0).payload().bytes()).containsExactly(wire);
  }

  @Test
  void aDirectEnvelopeIsAMessageWithoutOffset() {
    byte[] wire = framed(Envelope.newBuilder().setText("just you").setTimeMs(42).setDirect(true).build());

    io.roomcast.core.Publication p = Envelopes.decode("$n1-2", wire, 0);
    assertThat(p.payload().asText()).isEqualTo("just you");
    assertThat(p.hasOffset()).isFalse();
    assertThat(p.timeMs()).isEqualTo(42);
  }

  @Test
  void aJoinOrLeaveEnvelopeIsAPresenceEventAndAMessageIsNot() {
    io.roomcast.protocol.v1.Member bob = io.roomcast.protocol.v1.Member.newBuilder().setUser("bob").setSession("n2-1").build();

    assertThat(RedisPresence.event("chat", framed(Envelope.newBuilder().setJoin(bob).build())))
        .isEqualTo(new io.roomcast.core.PresenceEvent("chat", true, io.roomcast.core.PresenceMember.fromProto(bob)));
    assertThat(RedisPresence.event("chat", framed(Envelope.newBuilder().setLeave(bob).build())).join()).isFalse();
    assertThat(RedisPresence.event("chat", framed(Envelope.newBuilder().setText("hi").setOffset(1).build()))).isNull();
    assertThat(RedisPresence.event("chat", "hi".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isNull();
  }

  @Test
  void noTextCanStartWithTheMagicBytes() {
    // 0xC1 would be the lead byte of an overlong two-byte sequence: never valid UTF-8
    assertThat(Envelopes.isUtf8(Envelopes.MAGIC)).isFalse();
    assertThat(Envelopes.isUtf8(new byte[0])).isTrue();
  }
}
