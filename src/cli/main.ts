// Placeholder until the CLI lands.
export function main(argv: string[]): void {
  console.log(`stark: ${argv.join(" ")}`);
}
