// A TCP relay in front of a node, so a test can break every client's link while the node keeps
// running: cut() resets the connections (as a network failure or a restarted load balancer would),
// freeze() silently drops everything in both directions (a dead link that never closes).
import { createServer, connect } from 'node:net';
import { bump } from './until.mjs';

export class CuttableProxy {
  /** Open sockets, both sides, so cut() can end them all. */
  sockets = new Set();
  /** While true, new connections are reset at once (the node looks unreachable). */
  refusing = false;
  /** How many connections were reset while refusing. */
  refused = 0;
  /** While true, bytes are dropped in both directions on the connections open when freeze() was called. */
  frozen = new WeakSet();

  static async start(targetPort) {
    const p = new CuttableProxy();
    p.server = createServer((client) => {
      if (p.refusing) {
        p.refused++;
        bump();
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      p.sockets.add(client);
      p.sockets.add(upstream);
      client.on('data', (chunk) => { if (!p.frozen.has(client)) upstream.write(chunk); });
      upstream.on('data', (chunk) => { if (!p.frozen.has(client)) client.write(chunk); });
      const end = () => {
        // A frozen link tells the client nothing, not even that the node hung up.
        if (p.frozen.has(client)) {
          upstream.destroy();
          return;
        }
        client.destroy();
        upstream.destroy();
        p.sockets.delete(client);
        p.sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise((r) => p.server.listen(0, '127.0.0.1', r));
    return p;
  }

  get port() {
    return this.server.address().port;
  }

  /** Resets every relayed connection at once. */
  cut() {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** From now on, the open connections carry nothing either way, and nobody is told. */
  freeze() {
    for (const s of this.sockets) this.frozen.add(s);
  }

  async close() {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}
