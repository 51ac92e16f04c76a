import { KurrentDBClient } from '@kurrent/kurrentdb-client';

/** Schemes the client accepts: one node, or a cluster found through gossip / DNS (`+discover`). */
const SCHEMES = ['kurrentdb:', 'kurrentdb+discover:', 'kdb:', 'kdb+discover:', 'esdb:', 'esdb+discover:'];

/** Checks a KurrentDB connection string before the client sees it, with a message naming what is wrong. */
export function checkConnectionString(url: string): string {
  const text = url.trim();
  const scheme = /^[a-z+]+:/i.exec(text)?.[0]?.toLowerCase();
  if (!scheme || !SCHEMES.includes(scheme))
    throw new Error(
      `KURRENTDB_URL must start with kurrentdb:// or kurrentdb+discover:// (e.g. kurrentdb://127.0.0.1:2113?tls=false), got ${JSON.stringify(redact(text))}`,
    );
  return text;
}

/** A client for the connection string (TLS, credentials, node preference and cluster options come from it). */
export function connectKurrentDb(url: string): KurrentDBClient {
  const text = checkConnectionString(url);
  try {
    return KurrentDBClient.connectionString(text);
  } catch (error) {
    throw new Error(
      `KURRENTDB_URL ${JSON.stringify(redact(text))} is not a valid connection string: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** The connection string without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:***@');
}
