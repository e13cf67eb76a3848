// cli-progress ships no type declarations; this covers the part the CLI uses.
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    stream?: unknown;
    fps?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    stopOnComplete?: boolean;
    barsize?: number;
    etaBuffer?: number;
    noTTYOutput?: boolean;
    linewrap?: boolean | null;
  }
  export class SingleBar {
    constructor(options: Options, preset?: unknown);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(current: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    getTotal(): number;
    stop(): void;
  }
  export const Presets: { shades_classic: unknown; shades_grey: unknown; legacy: unknown; rect: unknown };
}
