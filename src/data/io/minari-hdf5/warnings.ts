/** @module The warnings readMinari collects while reading a dataset. */

/** Collects warnings. The same note about several episodes becomes one line that lists them. */
export class Warnings {
  readonly lines: string[] = [];
  private readonly grouped = new Map<string, { index: number; episodes: number[] }>();

  add(line: string): void {
    if (!this.lines.includes(line)) this.lines.push(line);
  }

  /** Adds `episode` to the note `key`; `format` gets "episode 3" or "episodes 0, 3, 7". */
  perEpisode(key: string, episode: number, format: (episodes: string) => string): void {
    let entry = this.grouped.get(key);
    if (entry === undefined) {
      entry = { index: this.lines.length, episodes: [] };
      this.grouped.set(key, entry);
      this.lines.push("");
    }
    entry.episodes.push(episode);
    const list = entry.episodes.length === 1 ? `episode ${episode}` : `episodes ${entry.episodes.join(", ")}`;
    this.lines[entry.index] = format(list);
  }
}
