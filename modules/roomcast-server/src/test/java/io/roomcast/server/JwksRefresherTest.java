package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The JWKS held in memory: an unknown key id is answered at once and asks for one background fetch per interval. */
class JwksRefresherTest {
  private final AtomicLong now = new AtomicLong();
  /** Background fetches asked for, run when the test says. */
  private final Queue<Runnable> background = new ArrayDeque<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicReference<JWKSet> published = new AtomicReference<>();

  private JwksRefresher refresher() {
    return new JwksRefresher("test", () -> {
      fetches.incrementAndGet();
      JWKSet set = published.get();
      if (set == null) throw new java.io.IOException("JWKS host down");
      return set;
    }, Duration.ofSeconds(30), now::get, background::add);
  }

  private static RSAKey key(String kid) throws Exception {
    return new RSAKey.Builder((RSAPublicKey) Tokens.rsa().getPublic()).keyID(kid).build();
  }

  private static JWKSelector kid(String kid) {
    return new JWKSelector(JWKMatcher.forJWSHeader(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build()));
  }

  @Test
  void anUnknownKeyIsRefusedAtOnceAndAsksForOneFetchInTheBackgroundPerInterval() throws Exception {
    published.set(new JWKSet(key("k1")));
    JwksRefresher jwks = refresher();
    assertThat(jwks.refresh()).isTrue();
    assertThat(jwks.get(kid("k1"), null)).hasSize(1);

    published.set(new JWKSet(java.util.List.of(key("k1"), key("k2"))));
    assertThat(jwks.get(kid("k2"), null)).as("refused at once").isEmpty();
    assertThat(fetches.get()).as("nothing fetched on the caller's thread").isEqualTo(1);
    assertThat(background).hasSize(1);

    now.addAndGet(Duration.ofSeconds(29).toNanos());
    assertThat(jwks.get(kid("k3"), null)).isEmpty();
    assertThat(jwks.get(kid("k2"), null)).isEmpty();
    assertThat(background).as("within the interval, no second fetch").hasSize(1);

    background.poll().run();
    assertThat(fetches.get()).isEqualTo(2);
    assertThat(jwks.get(kid("k2"), null)).as("the new key, once fetched").hasSize(1);

    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(jwks.get(kid("k3"), null)).isEmpty();
    assertThat(background).as("a new interval: one more fetch").hasSize(1);
  }

  @Test
  void aFailedFetchKeepsTheKeysHeld() throws Exception {
    published.set(new JWKSet(key("k1")));
    JwksRefresher jwks = refresher();
    jwks.refresh();
    published.set(null);
    assertThat(jwks.refresh()).isFalse();
    assertThat(jwks.get(kid("k1"), null)).hasSize(1);
    assertThat(jwks.size()).isEqualTo(1);
  }

  @Test
  void aNodeStartedWhileTheJwksHostIsDownGetsItsKeysFromTheFirstTokenThatNeedsThem() throws Exception {
    JwksRefresher jwks = refresher();
    assertThat(jwks.refresh()).isFalse();
    published.set(new JWKSet(key("k1")));
    assertThat(jwks.get(kid("k1"), null)).isEmpty();
    background.poll().run();
    assertThat(jwks.get(kid("k1"), null)).hasSize(1);
  }
}
