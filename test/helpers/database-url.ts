/** `url` with its database name replaced by `name` (its query, e.g. an embedded server's socket `host`, kept). */
export function databaseUrlFor(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
