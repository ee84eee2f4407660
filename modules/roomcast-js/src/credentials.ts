/** The token: sent in every handshake URL, fetched again through `getToken` when missing or expired. */
export class Credentials {
  /** The token sent at the next handshake. */
  token: string | undefined;
  /** Whether the server said the token expired: get a new one before the next handshake. */
  expired = false;

  constructor(token: string | undefined, readonly getToken: (() => string | Promise<string>) | undefined) {
    this.token = token;
  }

  /** Whether the next handshake needs a token from `getToken` first. */
  get needsToken(): boolean {
    return this.getToken !== undefined && (this.token === undefined || this.expired);
  }

  /** Gets a token from `getToken` for the next handshake. @throws what getToken throws */
  async renew(): Promise<void> {
    this.token = await this.getToken!();
    this.expired = false;
  }

  /** The handshake URL: `url` with the query parameter `token` when there is one. */
  handshakeUrl(url: string): string {
    if (this.token === undefined || this.token === '') return url;
    return url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(this.token);
  }
}
