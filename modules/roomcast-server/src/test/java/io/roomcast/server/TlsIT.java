package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomcast.protocol.BinaryFrames;
import io.roomcast.protocol.v1.ServerFrame;
import io.roomcast.testkit.RawWebSocket;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** wss:// and https:// on one port, from a PKCS#12 store or PEM files made at test time by the JDK's keytool. */
class TlsIT {
  private static final String PASSWORD = "test-only-password";
  @TempDir static Path dir;
  private static Path keystore;
  private static Path certPem;
  private static Path keyPem;
  private static SSLContext trusting;

  @BeforeAll
  static void makeACertificate() throws Exception {
    keystore = dir.resolve("node.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
        .redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, PASSWORD.toCharArray());
    }
    Certificate cert = store.getCertificate("node");
    certPem = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
    keyPem = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", store.getKey("node", PASSWORD.toCharArray()).getEncoded()));

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("node", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  @Test
  void aPkcs12StoreServesHttpsAndWssOnOnePortWithTls13() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withTls(TlsConfig.pkcs12(keystore, PASSWORD)))) {
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();
      HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.port() + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(firstFrameOverWss(https, node).hasConnected()).isTrue();
      assertThat(negotiated(node, "TLSv1.3", "TLSv1.2")).isEqualTo("TLSv1.3");
      assertThat(negotiated(node, "TLSv1.2")).isEqualTo("TLSv1.2");
    }
  }

  @Test
  void pemFilesServeWssAndTheProtocolListIsEnforced() throws Exception {
    TlsConfig only13 = new TlsConfig(java.util.Optional.of(certPem), java.util.Optional.of(keyPem), java.util.Optional.empty(), "",
        List.of("TLSv1.3"));
    try (TestNode node = TestNode.secured(s -> s.withTls(only13))) {
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).build();
      assertThat(firstFrameOverWss(https, node).hasConnected()).isTrue();
      assertThatThrownBy(() -> negotiated(node, "TLSv1.2")).isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void plainHttpOnTheTlsPortGetsNoUpgrade() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withTls(TlsConfig.pkcs12(keystore, PASSWORD)));
         RawWebSocket plain = RawWebSocket.connect(node.port(), null)) {
      plain.write(RawWebSocket.handshake("/ws"));
      assertThat(plain.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void aClientThatNeverStartsTheTlsHandshakeIsCutAfterTheHandshakeTimeout() throws Exception {
    try (TestNode node = TestNode.secured(s -> s.withTls(TlsConfig.pkcs12(keystore, PASSWORD))
        .withConnections(new ConnectionLimits(1_000, 1_000, 1_000, 1_000, Duration.ofSeconds(1))));
         RawWebSocket silent = RawWebSocket.connect(node.port(), null);
         RawWebSocket halfHello = RawWebSocket.connect(node.port(), null)) {
      halfHello.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00}); // a TLS record header, then nothing
      assertThat(silent.awaitEndOfStream()).isTrue();
      assertThat(halfHello.awaitEndOfStream()).isTrue();
    }
  }

  private static ServerFrame firstFrameOverWss(HttpClient client, TestNode node) throws Exception {
    CompletableFuture<ByteBuffer> first = new CompletableFuture<>();
    WebSocket ws = client.newWebSocketBuilder().subprotocols("roomcast.v1.proto")
        .buildAsync(URI.create("wss://127.0.0.1:" + node.port() + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
            first.complete(copy);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    try {
      return BinaryFrames.decode(first.get(10, TimeUnit.SECONDS), ServerFrame.parser(), 10).get(0);
    } finally {
      ws.abort();
    }
  }

  private static String negotiated(TestNode node, String... protocols) throws Exception {
    try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", node.port())) {
      socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
      socket.setEnabledProtocols(protocols);
      socket.startHandshake();
      return socket.getSession().getProtocol();
    }
  }
}
