/** A bar chart of amounts per day, drawn on the server as SVG. */
export interface DayBar {
  day: string;
  amount: number;
  /** What a reader is told for this bar (its day and formatted amount). */
  label: string;
}

const WIDTH = 600;
const HEIGHT = 160;
const AXIS = 20;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Bars in `currentColor` (so the page's text colour, light or dark theme, draws them) over a faint
 * baseline; each bar has a <title> for a pointer, and the chart's title and description name what it
 * shows. The numbers are also in a table on the page: the chart is never the only way to read them.
 */
export function dayBarsSvg(bars: DayBar[], title: string, description: string, id: string): string {
  const max = Math.max(1, ...bars.map((b) => b.amount));
  const step = WIDTH / Math.max(1, bars.length);
  const barWidth = Math.max(2, step * 0.7);
  const parts = bars.map((bar, i) => {
    const h = bar.amount === 0 ? 0 : Math.max(2, Math.round(((HEIGHT - AXIS) * bar.amount) / max));
    const x = Math.round(i * step + (step - barWidth) / 2);
    return `<rect x="${x}" y="${HEIGHT - AXIS - h}" width="${Math.round(barWidth)}" height="${h}" fill="currentColor"><title>${escape(bar.label)}</title></rect>`;
  });
  const first = bars[0]?.day ?? '';
  const last = bars.at(-1)?.day ?? '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" class="chart" role="img" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escape(title)}</title><desc id="${id}-desc">${escape(description)}</desc>`,
    `<line x1="0" y1="${HEIGHT - AXIS}" x2="${WIDTH}" y2="${HEIGHT - AXIS}" stroke="currentColor" stroke-opacity="0.4"/>`,
    ...parts,
    `<text x="0" y="${HEIGHT - 4}" font-size="12" fill="currentColor">${escape(first)}</text>`,
    `<text x="${WIDTH}" y="${HEIGHT - 4}" font-size="12" text-anchor="end" fill="currentColor">${escape(last)}</text>`,
    '</svg>',
  ].join('');
}
