const PARIS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Monetico's order date, `DD/MM/YYYY:HH:mm:ss`, in the terminal's time zone (France). */
export function moneticoDate(at: Date): string {
  const parts = PARIS.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')}/${part('month')}/${part('year')}:${part('hour')}:${part('minute')}:${part('second')}`;
}

/** `DD/MM/YYYY` in the terminal's time zone: the `date_commande` of capture and recredit requests. */
export function moneticoOrderDay(at: Date): string {
  return moneticoDate(at).slice(0, 10);
}
