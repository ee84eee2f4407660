// The demo page a node serves at /: rooms with a chat and who is in each (presence when the room is
// joined, then kept by join/leave events), direct messages to the token's user (its personal room
// `@user`, which the node subscribes the page to), a live ticker fed by the node's DemoTicker,
// connection state, ping RTT and publish-to-receive latency. It talks to /ws on the host that
// served it, so it works the same against one node or a cluster behind a load balancer.
//
// URL parameters: ?format=json (default proto), ?token=..., ?rooms=lobby,news, ?name=Ada, ?ws=URL.
import { defaultUrl, RoomcastClient, type Member, type RoomMessage, type SubscribedEvent, type SubscriptionHandlers } from '../src/index.js';

const params = new URLSearchParams(location.search);
const format = params.get('format') === 'json' ? 'json' : 'proto';
const TICKER = 'ticker';
const MAX_MESSAGES = 200;
const MAX_LOG = 100;

interface ChatLine {
  from: string;
  text: string;
  offset?: number;
  latencyMs?: number;
}

interface RoomView {
  name: string;
  lines: ChatLine[];
  unread: number;
  status: string;
  /** Who is in the room, by session: from presence() at each (re)subscription, then join/leave events. */
  members: Map<string, Member>;
  /** Why the member list is unknown (presence refused or not served), if it is. */
  membersNote: string;
}

const $ = <T extends HTMLElement>(id: string) => document.querySelector(`[data-testid="${id}"]`) as T;

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const client = new RoomcastClient({
  url: params.get('ws') ?? defaultUrl(),
  token: params.get('token') ?? 'demo',
  format,
  backoff: { minDelayMs: 250, maxDelayMs: 5_000 },
  // The node subscribes the page to its user's personal room (@user): direct messages land there.
  serverSubscriptions: (room) => {
    log(`the node subscribed this page to ${room} (direct messages)`, 'ok');
    return roomHandlers(newView(room));
  },
});

const rooms = new Map<string, RoomView>();
let active = '';
let reconnects = 0;
let latencySum = 0;
let latencyCount = 0;

// ---- connection state, RTT, events ----

function log(text: string, kind = 'info'): void {
  const list = $('log');
  const time = new Date().toLocaleTimeString();
  list.prepend(el('li', { class: kind }, el('time', {}, time), ' ', text));
  while (list.children.length > MAX_LOG) list.lastElementChild!.remove();
}

client.on('state', (state) => {
  const pill = $('state');
  pill.textContent = state;
  pill.dataset.state = state;
});
client.on('connecting', (e) => {
  if (e.attempt > 0 || e.delayMs > 0) log(`reconnecting in ${e.delayMs} ms (attempt ${e.attempt})`, 'warn');
});
client.on('connected', (e) => {
  $('node').textContent = e.node;
  $('format').textContent = format;
  if (e.reconnected) $('reconnects').textContent = String(++reconnects);
  log(`connected to node ${e.node} as ${e.session}${e.reconnected ? ' (reconnected)' : ''}`, 'ok');
  void measureRtt();
});
client.on('disconnected', (e) => {
  $('node').textContent = '–';
  $('rtt').textContent = '–';
  log(`disconnected: ${e.code} ${e.reason}${e.reconnect ? `, reconnecting in ${e.reconnectInMs} ms` : ', not reconnecting'}`, 'warn');
  for (const r of rooms.values()) r.status = 'resubscribing…';
  renderRooms();
  renderStatus();
});
client.on('lagged', (e) => log(`the node dropped messages of ${e.room} after offset ${e.position.offset} (slow reader): resuming from history`, 'warn'));
client.on('error', (e) => {
  if (e.context === 'transport') return; // a failed attempt; 'disconnected' says the rest
  log(`error (${e.context}${e.room ? ` ${e.room}` : ''}): ${e.error.message}`, 'error');
});

async function measureRtt(): Promise<void> {
  if (client.state !== 'connected') return;
  try {
    const rtt = await client.ping();
    $('rtt').textContent = `${rtt.toFixed(1)} ms`;
  } catch {
    // the connection went away; the next connected event measures again
  }
}
setInterval(() => void measureRtt(), 2_000);

function latencyOf(m: RoomMessage): number | undefined {
  if (!m.timeMs) return undefined;
  const ms = Math.max(0, Date.now() - m.timeMs);
  latencySum += ms;
  latencyCount++;
  $('latency').textContent = `${ms} ms (avg ${(latencySum / latencyCount).toFixed(1)})`;
  return ms;
}

function describe(e: SubscribedEvent): string {
  let s = `subscribed · offset ${e.position.offset} · epoch ${e.position.epoch}`;
  if (e.recovered !== undefined) s += ` · recovered: ${e.recovered}`;
  return s;
}

// ---- rooms and chat ----

function newView(name: string): RoomView {
  const view: RoomView = { name, lines: [], unread: 0, status: 'subscribing…', members: new Map(), membersNote: '' };
  rooms.set(name, view);
  if (!active) active = name;
  renderRooms();
  return view;
}

function memberName(m: Member): string {
  const name = m.info && typeof m.info.name === 'string' ? m.info.name : '';
  return name || m.user || `guest ${m.session}`; // anonymous clients have no user
}

/** Asks who is in the room now; join and leave events keep the list from there. */
async function loadMembers(view: RoomView): Promise<void> {
  try {
    const reply = await client.presence(view.name);
    if (rooms.get(view.name) !== view) return;
    view.members = new Map(reply.members.map((m) => [m.session, m]));
    view.membersNote = '';
  } catch (err) {
    const e = err as { code?: number; message?: string };
    view.membersNote = `presence unavailable (${e.code ?? ''} ${e.message ?? ''})`.trim();
  }
  renderRooms();
  renderMembers();
}

function roomHandlers(view: RoomView): SubscriptionHandlers {
  return {
    onMessage: (m) => onChat(view, m),
    onJoin: (m) => {
      view.members.set(m.session, m);
      log(`${memberName(m)} (${m.session}) joined ${view.name}`, 'ok');
      renderRooms();
      renderMembers();
    },
    onLeave: (m) => {
      view.members.delete(m.session);
      log(`${memberName(m)} (${m.session}) left ${view.name}`, 'warn');
      renderRooms();
      renderMembers();
    },
    onSubscribed: (e) => {
      if (!view.name.startsWith('@')) void loadMembers(view);
      view.status = describe(e);
      if (e.since) {
        log(`resubscribed to ${view.name} from offset ${e.since.offset}: recovered: ${e.recovered}`, e.recovered ? 'ok' : 'warn');
        if (e.recovered === false) {
          const what = e.resubscribed ? 'reconnected' : 'the node reported a gap';
          view.lines.push({ from: '', text: `— ${what}; messages sent meanwhile may be missing (recovered: false) —` });
        } else if (e.recovered === true && e.resubscribed) {
          view.lines.push({ from: '', text: '— reconnected; nothing missed (recovered: true) —' });
        }
      }
      renderStatus();
      renderMessages();
    },
    onError: (err) => {
      view.status = `error ${err.code}: ${err.message}`;
      renderStatus();
    },
  };
}

function join(name: string): void {
  if (rooms.has(name) || name === TICKER) {
    select(name === TICKER ? active : name);
    return;
  }
  const view = newView(name);
  client.subscribe(name, roomHandlers(view), { joinLeave: true });
  select(name);
}

function leave(name: string): void {
  void client.unsubscribe(name);
  rooms.delete(name);
  if (active === name) active = rooms.keys().next().value ?? '';
  renderRooms();
  renderStatus();
  renderMessages();
  renderMembers();
}

function select(name: string): void {
  active = name;
  const view = rooms.get(name);
  if (view) view.unread = 0;
  renderRooms();
  renderStatus();
  renderMessages();
  renderMembers();
}

function onChat(view: RoomView, m: RoomMessage): void {
  let from = '?';
  let text = m.text ?? `(${m.data?.length ?? 0} bytes)`;
  try {
    const body = JSON.parse(m.text ?? '');
    if (body && typeof body.text === 'string') {
      text = body.text;
      from = String(body.from ?? '?');
    }
  } catch {
    // not JSON: show the text as it is (e.g. from curl)
  }
  view.lines.push({ from, text, offset: m.offset, latencyMs: latencyOf(m) });
  if (view.lines.length > MAX_MESSAGES) view.lines.splice(0, view.lines.length - MAX_MESSAGES);
  if (m.offset !== undefined) view.status = view.status.replace(/offset \d+/, `offset ${m.offset}`);
  if (view.name === active) {
    renderMessages();
    renderStatus();
  } else {
    view.unread++;
    renderRooms();
  }
}

function renderRooms(): void {
  const list = $('rooms');
  list.replaceChildren(...[...rooms.values()].map((r) => {
    const leaveButton = el('button', { class: 'leave', title: `leave ${r.name}`, 'data-testid': `leave-${r.name}` }, '×');
    leaveButton.addEventListener('click', (ev) => {
      ev.stopPropagation();
      leave(r.name);
    });
    const item = el('li', { class: r.name === active ? 'active' : '', 'data-testid': `room-${r.name}` },
      el('span', { class: 'room-name' }, `${r.name.startsWith('@') ? '' : '# '}${r.name}`),
      r.unread > 0 ? el('span', { class: 'unread' }, String(r.unread)) : '',
      r.members.size > 0 ? el('span', { class: 'count', title: `${r.members.size} here now` }, '👤', el('span', { 'data-testid': `count-${r.name}` }, String(r.members.size))) : '',
      leaveButton);
    item.addEventListener('click', () => select(r.name));
    return item;
  }));
}

function renderMembers(): void {
  const list = $('members');
  const view = rooms.get(active);
  if (!view || view.name.startsWith('@')) {
    list.replaceChildren();
    return;
  }
  if (view.membersNote) {
    list.replaceChildren(el('li', { class: 'note' }, view.membersNote));
    return;
  }
  const me = client.connection?.session;
  list.replaceChildren(...[...view.members.values()].map((m) => el('li', {
    'data-testid': `member-${m.session}`, 'data-user': m.user, title: m.session, class: m.session === me ? 'me' : '',
  }, memberName(m), m.session === me ? ' (you)' : '')));
}

function renderStatus(): void {
  const view = rooms.get(active);
  $('room-title').textContent = view ? `# ${view.name}` : '–';
  $('room-status').textContent = view ? view.status : 'not subscribed';
}

function renderMessages(): void {
  const list = $('messages');
  const view = rooms.get(active);
  list.replaceChildren(...(view?.lines ?? []).map((l) => l.from === ''
    ? el('li', { class: 'notice' }, l.text)
    : el('li', {},
      el('b', { class: 'from' }, l.from),
      el('span', { class: 'text' }, l.text),
      el('span', { class: 'meta' }, `${l.offset !== undefined ? `#${l.offset}` : ''}${l.latencyMs !== undefined ? ` · ${l.latencyMs} ms` : ''}`))));
  list.scrollTop = list.scrollHeight;
}

$('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $<HTMLInputElement>('join-input');
  const name = input.value.trim();
  if (name) join(name);
  input.value = '';
});

const nameInput = $<HTMLInputElement>('name');
nameInput.value = params.get('name') ?? localStorage.getItem('roomcast.name') ?? `guest-${Math.floor(Math.random() * 9000 + 1000)}`;
nameInput.addEventListener('change', () => localStorage.setItem('roomcast.name', nameInput.value));

$('send-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $<HTMLInputElement>('message-input');
  const text = input.value.trim();
  if (!text || !active) return;
  input.value = '';
  const room = active;
  client.publish(room, JSON.stringify({ from: nameInput.value || 'anonymous', text })).catch((err) => {
    log(`publish to ${room} failed: ${err.code ?? ''} ${err.message}`, 'error');
  });
});

// ---- ticker ----

interface Quote {
  symbol: string;
  price: number;
  change: number;
}

client.subscribe(TICKER, {
  onMessage: (m) => {
    let tick: { seq: number; quotes: Quote[] };
    try {
      tick = JSON.parse(m.text ?? '');
    } catch {
      return;
    }
    const latency = latencyOf(m);
    $('tick-seq').textContent = String(tick.seq);
    $('tick-latency').textContent = latency !== undefined ? `${latency} ms` : '–';
    const body = $('ticker').querySelector('tbody')!;
    body.replaceChildren(...tick.quotes.map((q) => el('tr', { class: q.change >= 0 ? 'up' : 'down', 'data-symbol': q.symbol },
      el('td', {}, q.symbol),
      el('td', { class: 'num' }, q.price.toFixed(2)),
      el('td', { class: 'num' }, `${q.change >= 0 ? '▲' : '▼'} ${Math.abs(q.change).toFixed(2)}`))));
  },
  onSubscribed: (e) => {
    if (e.since) log(`resubscribed to ticker: recovered: ${e.recovered}`, e.recovered ? 'ok' : 'warn');
  },
});

for (const r of (params.get('rooms') ?? 'lobby').split(',').map((s) => s.trim()).filter(Boolean)) join(r);
select((params.get('rooms') ?? 'lobby').split(',')[0].trim());
client.connect();

// For the browser tests and for poking around in dev tools.
(window as unknown as { roomcastDemo: unknown }).roomcastDemo = { client, rooms };
