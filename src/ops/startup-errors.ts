// One sentence for each way a start can fail, naming the setting involved and what to do, in
// place of a driver's stack trace. server.ts and the admin CLI print it as `error: …`.

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  errors?: unknown;
  path?: unknown;
  message: string;
}

const codeOf = (error: unknown): string | undefined => {
  const code = (error as SystemError | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The URL with its password replaced, for messages and the ready line. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@');
}

/** Why the listener could not open `host:port`. */
export function listenFailure(error: unknown, host: string, port: number): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return `port ${port} is already in use on ${host} (PORT): another process listens there, perhaps a gateway started earlier; stop it or choose another PORT`;
    case 'EACCES':
      return `no permission to listen on ${where} (PORT): ports below 1024 need privileges; choose PORT=4000 or another above 1023`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its own addresses`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve to an address: use 127.0.0.1, 0.0.0.0 or a name of this machine`;
    default:
      return `cannot listen on ${where} (HOST, PORT): ${(error as Error).message}`;
  }
}

const SQLSTATE: Record<string, string> = {
  '28P01': 'PostgreSQL refused the user name or password',
  '28000': 'PostgreSQL refused the connection (no pg_hba.conf entry allows this user, host and database)',
  '3D000': 'the database does not exist on that server; create it first (createdb, or CREATE DATABASE)',
  '42501': 'the user lacks a privilege the migrations need (creating schemas and tables in that database)',
  '53300': 'PostgreSQL has no connection slots left (max_connections)',
  '57P03': 'PostgreSQL is starting up or shutting down; try again in a moment',
};

function databaseReason(error: unknown, url: string): string {
  const e = error as SystemError;
  const code = codeOf(error);
  // Node reports each address it tried (localhost: ::1 and 127.0.0.1) in an AggregateError.
  const first = (Array.isArray(e.errors) ? (e.errors[0] as SystemError | undefined) : undefined) ?? e;
  const at =
    typeof first.address === 'string' ? `${first.address}${first.port ? `:${String(first.port)}` : ''}` : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused${at ? ` at ${at}` : ''}; is PostgreSQL running and listening on that host and port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${typeof e.hostname === 'string' ? `host ${e.hostname}` : 'the host'} does not resolve; check the host name in the URL`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no answer from ${at ?? 'the server'}; check the host, the port and the network path to it`;
    case 'ECONNRESET':
      return 'the server closed the connection; check that the URL names a PostgreSQL server and its TLS settings';
    case 'SQLITE_CANTOPEN':
      return 'SQLite cannot open or create the file there; check that the folder exists and is writable';
    case 'SQLITE_NOTADB':
      return 'the file exists but is not a SQLite database; point DATABASE_URL at another path';
    case 'SQLITE_READONLY':
      return 'the file is read-only for this user; the gateway needs to write it';
    case 'SQLITE_BUSY':
      return 'another process holds the database locked; stop it or use another file';
    case 'EACCES':
    case 'EPERM':
      return `no permission to create or open ${typeof e.path === 'string' ? e.path : 'the file'}`;
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder';
  }
  if (code && SQLSTATE[code]) return SQLSTATE[code];
  if (/^postgres(ql)?:/i.test(url) && /invalid url/i.test(e.message))
    return 'the URL is malformed; the form is postgres://user:password@host:5432/database';
  return e.message;
}

/** Why the database named by `DATABASE_URL` could not be opened (or migrated). */
export function databaseFailure(error: unknown, url: string): string {
  return `cannot open the database at ${redactDatabaseUrl(url)} (DATABASE_URL): ${databaseReason(error, url)}`;
}
