const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** A size in decimal units, as file managers and network tools say them: "42.3 MB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${decimal.format(value)} ${UNITS[unit]}`;
}

export const formatSpeed = (bytesPerSecond: number): string => `${formatBytes(bytesPerSecond)}/s`;

/** A share (0–1) as a whole percent, never 100 before it is all there. */
export function formatPercent(share: number): string {
  const percent = share >= 1 ? 100 : Math.min(99, Math.floor(share * 100));
  return `${percent} %`;
}
