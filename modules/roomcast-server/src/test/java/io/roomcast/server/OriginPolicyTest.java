package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {
  private final OriginPolicy policy = OriginPolicy.of(List.of("https://app.example.com", "https://*.example.org", "http://localhost:3000"));

  @Test
  void listedOriginsAndSubdomainsOfAWildcardAreAllowed() {
    assertThat(policy.allows("https://app.example.com", "node:8080")).isTrue();
    assertThat(policy.allows("HTTPS://App.Example.com", "node:8080")).isTrue();
    assertThat(policy.allows("https://eu.chat.example.org", "node:8080")).isTrue();
    assertThat(policy.allows("http://localhost:3000", "node:8080")).isTrue();
  }

  @Test
  void everythingElseIsRefused() {
    assertThat(policy.allows("https://example.org", "node:8080")).isFalse();
    assertThat(policy.allows("https://evil.com/.example.org", "node:8080")).isFalse();
    assertThat(policy.allows("https://app.example.com.evil.com", "node:8080")).isFalse();
    assertThat(policy.allows("http://app.example.com", "node:8080")).isFalse();
    assertThat(policy.allows("http://localhost:3001", "node:8080")).isFalse();
    assertThat(policy.allows("null", "node:8080")).isFalse();
  }

  @Test
  void theNodesOwnPagesAndNonBrowserClientsAreAllowedByDefaultAndCanBeRefused() {
    assertThat(policy.allows("http://node:8080", "node:8080")).isTrue();
    assertThat(policy.allows("https://node:8080", "NODE:8080")).isTrue();
    assertThat(policy.allows("node:8080", "node:8080")).as("no scheme").isFalse();
    assertThat(policy.allows(null, "node:8080")).isTrue();
    OriginPolicy strict = new OriginPolicy(List.of(), false, false);
    assertThat(strict.allows("http://node:8080", "node:8080")).isFalse();
    assertThat(strict.allows(null, "node:8080")).isFalse();
  }

  @Test
  void malformedEntriesStopTheNodeAtStart() {
    assertThatThrownBy(() -> OriginPolicy.of(List.of("app.example.com"))).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> OriginPolicy.of(List.of("https://app.example.com/"))).hasMessageContaining("no path");
    assertThatThrownBy(() -> OriginPolicy.of(List.of("https://app.*.com"))).hasMessageContaining("wildcard");
  }
}
