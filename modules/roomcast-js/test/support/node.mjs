// Starts and stops real roomcast nodes (the fat jar) for the integration and browser tests.
//
// The jar comes from ROOMCAST_JAR, else modules/roomcast-server/target/roomcast-server.jar; build it
// first (`mvn -B -q -pl modules/roomcast-server -am install -Dmaven.test.skip=true`, which also
// bundles this package's demo page into it). With ROOMCAST_TEST_WEB=dist the node serves
// dist/web/ from this package instead of the page inside the jar (quick iterations on the demo).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const packageRoot = resolve(here, '..', '..');
export const targetDir = join(packageRoot, 'target');
export const jarPath = process.env.ROOMCAST_JAR
  ?? resolve(packageRoot, '..', 'roomcast-server', 'target', 'roomcast-server.jar');

/** Ports this process handed out already: a port freed by one fixture is not given to the next. */
const given = new Set();

/** Whether a server could bind `port` on the wildcard address now. */
function bindable(port) {
  return new Promise((ok) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => ok(false));
    srv.listen({ port, exclusive: true }, () => srv.close(() => ok(true)));
  });
}

/**
 * A free TCP port, drawn from 10000-22767: below the kernel's ephemeral range (32768-60999), so no
 * outgoing connection can take it as its source port between this call and the server's bind (with
 * port 0 that race made a node fail with "Address already in use"), and with a Redis Cluster bus
 * port (port + 10000) below it too. Same rule as the Java tests' FreePorts.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 12_768);
    if (given.has(port) || !(await bindable(port))) continue;
    given.add(port);
    return port;
  }
  throw new Error('no free port in 10000-22767 after 1000 attempts');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns a truthy value, or fails after `timeoutMs` saying what it waited for.
 * Only for the readiness of the processes the tests start (a node, Redis, haproxy), which tell no
 * one when they are up; tests wait on events with until() (until.mjs).
 */
export async function eventually(check, what, timeoutMs = 10_000, everyMs = 25) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * A node process started by a test; stopped by its PID (kill() is SIGKILL, stop() SIGTERM).
 * Its output goes to target/node-<name>-<port>.log.
 */
export class TestNode {
  constructor(port, name, extraEnv = {}) {
    this.port = port;
    this.name = name;
    this.extraEnv = extraEnv;
    this.proc = null;
  }

  static async start({ port, name = 'it', env = {} } = {}) {
    const node = new TestNode(port ?? await freePort(), name, env);
    await node.start();
    return node;
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid() {
    return this.proc?.pid;
  }

  async start() {
    if (!existsSync(jarPath)) {
      throw new Error(`no server jar at ${jarPath}: build it first with `
        + '`mvn -B -q -pl modules/roomcast-server -am install -Dmaven.test.skip=true` (or set ROOMCAST_JAR)');
    }
    mkdirSync(targetDir, { recursive: true });
    const log = openSync(join(targetDir, `node-${this.name}-${this.port}.log`), 'a');
    const args = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
    if (process.env.ROOMCAST_TEST_WEB === 'dist') {
      args.push('-cp', `${join(packageRoot, 'dist')}:${jarPath}`, 'io.roomcast.server.Main');
    } else {
      args.push('-jar', jarPath);
    }
    args.push('--port', String(this.port), '--host', '127.0.0.1', '--node-id', `${this.name}-${this.port}`);
    // Several nodes share this host: each management port (/metrics, /admin; unused here) is a free one.
    const proc = spawn('java', args, { stdio: ['ignore', log, log],
      env: { ...process.env, ROOMCAST_MANAGEMENT_PORT: '0', ...this.extraEnv } });
    this.proc = proc;
    const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    this.exited = exited;
    let gone = null;
    exited.then((e) => { gone = e; });
    await eventually(async () => {
      if (gone) throw new Error(`node exited during start: ${JSON.stringify(gone)} (see target/node-${this.name}-${this.port}.log)`);
      const res = await fetch(`${this.httpUrl}/readyz`);
      return res.ok;
    }, `node ${this.name} on port ${this.port} to be ready`, 30_000, 100);
    return this;
  }

  /** SIGKILL, as a crash: no close frames, no goodbye. Waits until the process is gone. */
  async kill() {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: the node shuts down as it would in production. */
  async stop() {
    return this.signal('SIGTERM');
  }

  async signal(sig) {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    process.kill(proc.pid, sig);
    await this.exited;
    this.proc = null;
  }

  /** Publishes through the node's HTTP API, as a backend would. */
  async httpPublish(room, text) {
    const res = await fetch(`${this.httpUrl}/api/v1/rooms/${encodeURIComponent(room)}/messages`, {
      method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text,
    });
    if (!res.ok) throw new Error(`HTTP publish answered ${res.status}: ${await res.text()}`);
    return res.json();
  }
}
