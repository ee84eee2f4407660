// A TCP relay in front of a node, so a test can cut every client's link (as a network failure or a
// load balancer restart would) while the node itself keeps running.
import { createServer, connect } from 'node:net';

export class CuttableProxy {
  /** Open socket pairs, so cut() can end them all. */
  sockets = new Set();
  /** While true, new connections are reset at once (the node looks unreachable). */
  refusing = false;

  static async start(targetPort) {
    const p = new CuttableProxy();
    p.server = createServer((client) => {
      if (p.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      p.sockets.add(client);
      p.sockets.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
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

  async close() {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}
