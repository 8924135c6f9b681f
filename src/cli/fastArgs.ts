// A fast reading of the two everyday command lines, `stark run FILE [ARGS..]` and `stark check
// FILE`, so that they start without loading yargs (≈ 20 ms of a ≈ 100 ms start).
//
// It accepts only command lines whose meaning is certain: known flags, each given once, with
// plain values (`--gc-stress 1`, `--format=json`). Anything else — `--help`, an unknown or
// repeated flag, a bad choice, a program argument that starts with `-` — returns null and the
// caller hands the whole command line to yargs, which stays the single authority on usage
// errors and help. `src/cli/fastArgs.test.ts` checks that both readings agree.

export interface FastRun {
  command: "run";
  file: string;
  args: string[];
  format: "text" | "json";
  borrowck: "lexical" | "nll";
  gcTrace: boolean;
  gcStress?: number;
  maxTensorMemory?: number;
  unchecked: boolean;
  heapReport?: string;
}

export interface FastCheck {
  command: "check";
  file: string;
  format: "text" | "json";
  borrowck: "lexical" | "nll";
  explainOwnership: boolean;
}

type FlagKind = { value: "boolean" } | { value: "number" } | { value: "string" } | { value: "choice"; choices: readonly string[] };

const GLOBAL_FLAGS: Record<string, FlagKind> = {
  format: { value: "choice", choices: ["text", "json"] },
  borrowck: { value: "choice", choices: ["lexical", "nll"] },
};

const COMMAND_FLAGS: Record<"run" | "check", Record<string, FlagKind>> = {
  run: {
    "gc-trace": { value: "boolean" },
    "gc-stress": { value: "number" },
    "max-tensor-memory": { value: "number" },
    unchecked: { value: "boolean" },
    "heap-report": { value: "string" },
  },
  check: { "explain-ownership": { value: "boolean" } },
};

/** The parsed command, or null when yargs must read this command line. */
export function parseFastArgs(argv: readonly string[]): FastRun | FastCheck | null {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  let afterDashes: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    // `stark run FILE -- ARGS`: everything after `--` is the program's, even `--gc-trace`.
    if (token === "--" && positionals.length >= 2) {
      afterDashes = argv.slice(i + 1);
      break;
    }
    if (!token.startsWith("-")) {
      positionals.push(token);
      continue;
    }
    if (!token.startsWith("--") || token === "--") return null;
    const eq = token.indexOf("=");
    const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
    if (flags.has(name)) return null;
    const kind = GLOBAL_FLAGS[name] ?? COMMAND_FLAGS.run[name] ?? COMMAND_FLAGS.check[name];
    if (!kind) return null;
    if (kind.value === "boolean") {
      // `--gc-trace=false` and `--gc-trace true` are yargs's business.
      if (eq >= 0 || argv[i + 1] === "true" || argv[i + 1] === "false") return null;
      flags.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = token.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("-")) value = argv[++i];
    if (value === undefined || value === "") return null;
    if (kind.value === "number" && !/^\d+$/.test(value)) return null;
    if (kind.value === "choice" && !kind.choices.includes(value)) return null;
    flags.set(name, value);
  }
  const [command, file, ...rest] = positionals;
  if ((command !== "run" && command !== "check") || file === undefined) return null;
  for (const name of flags.keys()) if (!(name in GLOBAL_FLAGS) && !(name in COMMAND_FLAGS[command])) return null;
  const format = (flags.get("format") as "text" | "json" | undefined) ?? "text";
  const borrowck = (flags.get("borrowck") as "lexical" | "nll" | undefined) ?? "lexical";
  const number = (name: string) => (flags.has(name) ? Number(flags.get(name)) : undefined);
  if (command === "check") {
    if (rest.length || afterDashes.length) return null;
    return { command, file, format, borrowck, explainOwnership: flags.has("explain-ownership") };
  }
  return {
    command,
    file,
    args: [...rest, ...afterDashes],
    format,
    borrowck,
    gcTrace: flags.has("gc-trace"),
    gcStress: number("gc-stress"),
    maxTensorMemory: number("max-tensor-memory"),
    unchecked: flags.has("unchecked"),
    heapReport: flags.get("heap-report") as string | undefined,
  };
}
