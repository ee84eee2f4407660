package io.roomcast.server;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/** A JWKS document in a file, read again whenever nimbus's cache in front of it expires, so a rotated file is picked up. */
final class JwksFile implements JWKSetSource<SecurityContext> {
  private final Path file;

  JwksFile(Path file) {
    this.file = file;
    if (!Files.isReadable(file)) throw new IllegalArgumentException("auth.jwks file not readable: " + file);
  }

  @Override
  public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
      throws KeySourceException {
    try {
      return JWKSet.parse(Files.readString(file));
    } catch (IOException | ParseException e) {
      throw new KeySourceException("cannot read JWKS file " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {}
}
