import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent. */
  text: string;
  /** Whether the server closed the connection before `waitMs` had passed. */
  closed: boolean;
  /** The status code of the first answer, if any. */
  status?: number;
  /** Headers of the first answer, lower-cased names. */
  headers: Record<string, string>;
  /** The body of the first answer, parsed when it is JSON. */
  body?: unknown;
}

/** A TCP connection to a listening app, opened and ready to write. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Writes `data` (raw HTTP, or anything) and collects what comes back until the server closes
 * the connection or `waitMs` has passed; for what fetch cannot send (a body that never comes,
 * malformed HTTP) and what it hides (a connection the server closes).
 */
export async function rawExchange(
  port: number,
  data: string,
  waitMs = 15_000,
  socket?: Socket,
): Promise<RawExchange> {
  const s = socket ?? (await openSocket(port));
  let text = '';
  s.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  s.on('error', () => undefined);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    if (data) s.write(data);
  });
  s.destroy();
  return { text, closed, ...parseAnswer(text) };
}

function parseAnswer(text: string): Omit<RawExchange, 'text' | 'closed'> {
  const match = /^HTTP\/1\.1 (\d{3}) [^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!match) return { headers: {} };
  const headers = Object.fromEntries(
    match[2].split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  let body: unknown = match[3];
  try {
    body = JSON.parse(match[3]);
  } catch {
    // not JSON: kept as text
  }
  return { status: Number(match[1]), headers, body };
}
