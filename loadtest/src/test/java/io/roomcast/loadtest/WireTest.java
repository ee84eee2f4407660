package io.roomcast.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WireTest {
  @Test
  void aPayloadStampReadsBackAsThePublishersClock() {
    long before = Wire.nowMicros();
    byte[] payload = Wire.stampedPayload(100);
    long stamp = Wire.stampOf(com.google.protobuf.ByteString.copyFrom(payload));
    assertThat(payload).hasSize(100);
    assertThat(stamp).isBetween(before, Wire.nowMicros());
    assertThat(Wire.stampOf(com.google.protobuf.ByteString.copyFromUtf8("hello world"))).isEqualTo(-1);
  }
}
