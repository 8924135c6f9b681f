import { StarkPanic } from "../../diagnostics";

/** P0501: a `.pt` file that cannot be read or written, naming the file. */
export function formatError(file: string, message: string): StarkPanic {
  return new StarkPanic("P0501", `${file}: ${message}`);
}
