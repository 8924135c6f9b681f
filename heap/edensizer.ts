// How much of eden to use before the next young collection, so that the collection fits its
// share of the pause target (as G1 sizes its young generation from MaxGCPauseMillis).
//
// A young pause costs what it copies: the live part of eden plus the survivor from-space. When
// most of eden survives (a program building a large structure), a full eden can take longer to
// copy than the target allows; then only part of eden is handed out before the next collection.
// `youngGenSize` stays the upper bound. The model is pessimistic for the tail: the copy cost
// per word and eden's survival rate are decaying maxima of what was measured. Costs are CPU
// time: time the process was not scheduled is no cost of the copy, and a smaller eden would not
// shorten it.

/** Below this many copied words a pause says little about the cost per word. */
const MIN_SAMPLE_WORDS = 4096;
/** How fast a past high estimate is forgotten, per collection. */
const DECAY = 0.9;
/** Never use less than this share of eden (a floor against collecting all the time). */
const MIN_SHARE = 1 / 8;

export class EdenSizer {
  /** Milliseconds per copied word (decaying maximum); 0 until measured. */
  private msPerWord = 0;
  /** Share of the eden words used that survived the last collections (decaying maximum). */
  private survival = 0;

  /** Forget what was measured (the nursery was resized). */
  reset(): void {
    this.msPerWord = 0;
    this.survival = 0;
  }

  /**
   * Record a young collection: its pause (CPU ms), the eden words it found in use, the survivor
   * words it found, and the words it copied (to the survivor space or the old generation).
   */
  observe(pauseMs: number, edenUsedWords: number, fromWords: number, copiedWords: number): void {
    if (copiedWords >= MIN_SAMPLE_WORDS) this.msPerWord = Math.max(pauseMs / copiedWords, DECAY * this.msPerWord);
    if (edenUsedWords > 0) {
      const fromEden = Math.min(edenUsedWords, Math.max(0, copiedWords - fromWords));
      this.survival = Math.max(fromEden / edenUsedWords, DECAY * this.survival);
    } else this.survival *= DECAY;
  }

  /**
   * Eden words to hand out before the next collection, for a pause of at most `budgetMs`
   * copying the eden survivors plus the `survivorWords` now in the survivor space.
   */
  edenLimit(budgetMs: number, edenWords: number, survivorWords: number): number {
    if (this.msPerWord === 0 || this.survival === 0) return edenWords;
    const copyable = budgetMs / this.msPerWord - survivorWords;
    const words = Math.floor(copyable / this.survival);
    return Math.max(Math.floor(edenWords * MIN_SHARE), Math.min(edenWords, words));
  }
}
