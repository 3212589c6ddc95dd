import { BASELINE_LABELS, GATEWAY_PATHS, type BenchResult, type GatewayPath } from './report.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Throughput per path as grouped horizontal bars: the gateway, then the bare Express route it is held
 * against (the ceiling, for the signed paths), with the target drawn as a tick on the reference bar
 * and, for a path that has one, its floor (the bare route with only what the path must keep) as a
 * dashed line.
 */
export function chartSvg(result: BenchResult): string {
  const paths = Object.keys(GATEWAY_PATHS) as GatewayPath[];
  const width = 760;
  const left = 230;
  const barHeight = 16;
  const groupHeight = 56;
  const top = 40;
  const height = top + paths.length * groupHeight + 30;
  const max = Math.max(1, ...result.ratios.map((r) => Math.max(r.gateway, r.referenceRequestsPerSecond)));
  const scale = (value: number) => ((width - left - 90) * value) / max;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">${escape(`Requests per second, ${result.date} (one run, ${result.machine.cpus} cores)`)}</text>`);
  parts.push(`<rect x="${left}" y="26" width="10" height="10" fill="#2b6cb0"/><text x="${left + 14}" y="35">gateway</text>`);
  parts.push(`<rect x="${left + 80}" y="26" width="10" height="10" fill="#a0aec0"/><text x="${left + 94}" y="35">bare Express (ceiling)</text>`);
  parts.push(`<line x1="${left + 250}" y1="26" x2="${left + 250}" y2="36" stroke="#c53030" stroke-width="2"/><text x="${left + 256}" y="35">target</text>`);
  parts.push(`<line x1="${left + 310}" y1="26" x2="${left + 310}" y2="36" stroke="#1a202c" stroke-width="2" stroke-dasharray="3 2"/><text x="${left + 316}" y="35">floor</text>`);
  paths.forEach((path, i) => {
    const ratio = result.ratios.find((r) => r.path === path)!;
    const y = top + i * groupHeight + 8;
    parts.push(`<text x="10" y="${y + 12}">${escape(GATEWAY_PATHS[path].label)}</text>`);
    parts.push(`<text x="10" y="${y + 30}" fill="#555">${escape(`vs ${BASELINE_LABELS[ratio.reference]}: ${Math.round(ratio.ratio * 100)} %`)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${scale(ratio.gateway).toFixed(1)}" height="${barHeight}" fill="#2b6cb0"/>`);
    parts.push(`<text x="${left + scale(ratio.gateway) + 4}" y="${y + 12}">${ratio.gateway}</text>`);
    parts.push(`<rect x="${left}" y="${y + barHeight + 2}" width="${scale(ratio.referenceRequestsPerSecond).toFixed(1)}" height="${barHeight}" fill="#a0aec0"/>`);
    parts.push(`<text x="${left + scale(ratio.referenceRequestsPerSecond) + 4}" y="${y + barHeight + 14}">${ratio.referenceRequestsPerSecond}</text>`);
    const tick = left + scale(ratio.referenceRequestsPerSecond * ratio.target);
    parts.push(`<line x1="${tick.toFixed(1)}" y1="${y - 2}" x2="${tick.toFixed(1)}" y2="${y + 2 * barHeight + 4}" stroke="#c53030" stroke-width="2"/>`);
    if (ratio.floor) {
      const at = (left + scale(ratio.floor.requestsPerSecond)).toFixed(1);
      parts.push(`<line x1="${at}" y1="${y - 2}" x2="${at}" y2="${y + 2 * barHeight + 4}" stroke="#1a202c" stroke-width="2" stroke-dasharray="3 2"><title>${escape(`floor: ${BASELINE_LABELS[ratio.floor.baseline]}, ${ratio.floor.requestsPerSecond} req/s`)}</title></line>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}
