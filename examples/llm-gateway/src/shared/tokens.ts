/** The fake tokenizer both sides share: one token per word, at least one. */
export function countTokens(text: string): number {
  let tokens = 0;
  for (const word of text.split(/\s+/)) if (word !== '') tokens++;
  return Math.max(1, tokens);
}
