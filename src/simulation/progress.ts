// Progress of a simulated day on stderr: a live status line on a terminal, plain lines in batch mode (CI, pipes).
import type { ScenarioProgress } from './scenario.ts';

/** Least milliseconds between two redraws of the live line. */
const REDRAW_MS = 80;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressPrinter {
  /** A step starts: `label` is shown until done() or the next step. */
  step(label: string): void;
  /** Live detail of the current step (a counter). */
  update(detail: string): void;
  /** The current step ended; `detail` summarises it. */
  done(detail?: string): void;
  /** A line of its own (a warning, a path). */
  note(text: string): void;
  /** The current step failed: leaves a ✗ line (the caller reports the error). */
  fail(): void;
}

export function progressPrinter(
  out: NodeJS.WritableStream,
  live: boolean,
  now: () => number = () => performance.now(),
): ProgressPrinter {
  let label = '';
  let started = 0;
  let lastDraw = 0;
  let frame = 0;
  let lastBatchDetail = '';
  const secs = () => `${((now() - started) / 1000).toFixed(1)} s`;
  const clear = () => {
    if (live) out.write('\r\x1b[2K');
  };
  return {
    step(l) {
      label = l;
      started = now();
      lastBatchDetail = '';
      if (live) out.write(`\r\x1b[2K${SPINNER[0]} ${label}`);
      else out.write(`… ${label}\n`);
    },
    update(detail) {
      if (live) {
        const t = now();
        if (t - lastDraw < REDRAW_MS) return;
        lastDraw = t;
        frame = (frame + 1) % SPINNER.length;
        out.write(`\r\x1b[2K${SPINNER[frame]} ${label}  ${detail}`);
      } else if (detail !== '' && detail !== lastBatchDetail) {
        lastBatchDetail = detail;
        out.write(`  ${detail}\n`);
      }
    },
    done(detail) {
      clear();
      out.write(`✓ ${label}${detail ? `  ${detail}` : ''}  (${secs()})\n`);
    },
    note(text) {
      clear();
      out.write(`${text}\n`);
    },
    fail() {
      clear();
      out.write(`✗ ${label}  (${secs()})\n`);
    },
  };
}

/** Fraction as a coarse percentage: batch output prints a line per 25 %, the live line every change. */
export function percent(done: number, total: number, live: boolean): string {
  if (total <= 0) return '';
  const p = Math.floor((done / total) * 100);
  return `${live ? p : Math.floor(p / 25) * 25}%`;
}

/** One-line description of a scenario progress event, for update(). */
export function describe(p: ScenarioProgress, live: boolean): string {
  switch (p.step) {
    case 'generate':
      return `generated ${p.stories} episodes, ${p.commands} commands`;
    case 'drive':
      return `${percent(p.commands, p.totalCommands, live)} of ${p.totalCommands} commands${live ? ` (${p.events} events)` : ''}`;
    case 'files':
      return live ? `${p.files} files written` : '';
    case 'import':
      if (!live)
        return p.phase === 'done'
          ? `${p.index}/${p.of} ${p.file}: ${p.lines} line${p.lines === 1 ? '' : 's'}`
          : '';
      return `${p.index}/${p.of} ${p.file}${p.phase === 'importing' && p.total ? ` ${percent(p.lines, p.total, live)}` : ` ${p.phase}`}`;
    case 'reconcile':
      if (!live) return p.phase === 'done' ? `${p.channel}: reconciled` : '';
      switch (p.phase) {
        case 'catching-up':
          return live
            ? `${p.channel}: read models, ${p.events} events`
            : `${p.channel}: catching up read models`;
        case 'indexing-platform':
          return `${p.channel}: ${p.movements} platform movements`;
        case 'matching':
          return `${p.channel}: matching statement lines`;
        case 'classifying':
          return `${p.channel}: classifying`;
        case 'raising':
          return `${p.channel}: raising discrepancies`;
        case 'done':
          return `${p.channel}: done`;
      }
  }
}
