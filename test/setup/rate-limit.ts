/** `"per-address";r=7;t=60` (the IETF RateLimit field) -> { r: 7, t: 60 } */
export function parseRateLimit(header: string | null | undefined): { r: number; t: number } {
  const match = /^"per-address";r=(\d+);t=(\d+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a RateLimit field: ${header}`);
  return { r: Number(match[1]), t: Number(match[2]) };
}
