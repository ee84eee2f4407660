package io.roomcast.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.roomcast.core.Failures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script shipped in this jar, run with EVALSHA and, when Redis answers NOSCRIPT (a restarted
 * or new server, another Cluster node), once more with EVAL, which also caches it. NOSCRIPT means the
 * script did not run, so the second attempt can never duplicate a publish.
 */
final class Script {
  static final Script PUBLISH = load("publish.lua");
  static final Script HISTORY = load("history.lua");
  static final Script PRESENCE = load("presence.lua");
  static final Script DIRECT = load("direct.lua");

  private final String name;
  private final byte[] body;
  private final String sha;

  private Script(String name, byte[] body) {
    this.name = name;
    this.body = body;
    this.sha = sha1(body);
  }

  String name() {
    return name;
  }

  String sha() {
    return sha;
  }

  /** Runs the script; the stage holds the script's array reply (integers as Long, strings as byte[]). */
  CompletionStage<List<Object>> run(RedisScriptingAsyncCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
    CompletableFuture<List<Object>> first = redis.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
    return first.handle((reply, failure) -> {
      if (failure == null) return CompletableFuture.completedFuture(reply);
      if (Failures.cause(failure) instanceof RedisNoScriptException) {
        return redis.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
      }
      return CompletableFuture.<List<Object>>failedFuture(Failures.cause(failure));
    }).thenCompose(stage -> stage);
  }

  private static Script load(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("script missing from the jar: " + name);
      return new Script(name, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }
}
