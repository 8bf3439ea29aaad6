import CommandLineOptions
import RebateEngine

#if canImport(Glibc)
import Glibc
#endif

// `rebate`: the thin command-line layer over the library's jobs. Each subcommand lives in a file
// of its own with its option table; this file only dispatches.

let version = "0.2.0"
let subcommands: [(name: String, command: Subcommand)] = [
    ("accrue", accrue), ("close", close), ("split", split), ("merge", merge), ("compare", compare),
    ("import", importCommand),
    ("statement", statement), ("portal", portal), ("explain", explain), ("validate", validate),
]

let rootHelp = """
    OVERVIEW: Exact rebate accruals, month-end closes and shards from invoice lines (SPEC.md v2).

    USAGE: rebate <subcommand> [options]

    SUBCOMMANDS:
    \(subcommands.map { "  " + $0.name + String(repeating: " ", count: max(1, 12 - $0.name.count)) + $0.command.summary }.joined(separator: "\n"))

    OPTIONS:
      --version     Show the version.
      -h, --help    Show help information.

      See 'rebate <subcommand> --help' for the options of each subcommand.

    EXIT CODES:
      0   success
      2   bad partners, products, agreements or ledger file, a transactions header
          without a required column, or shards that do not belong together
          (every problem is listed on stderr)
      3   more transaction lines rejected than --max-rejects (rejects.csv and
          summary.json are written; no accrual outputs)
      64  wrong command-line usage
      70  an internal check failed (a bug: please report it)
      74  a file could not be read or written, or the run would not fit in memory
    """

let argv = CommandLine.arguments.dropFirst()
switch argv.first {
case nil, "-h", "--help", "help":
    print(rootHelp)
case "--version":
    print("rebate \(version)")
case let name?:
    guard let command = subcommands.first(where: { $0.name == name })?.command else {
        printError("Error: unknown subcommand '\(name)'\nHelp:  rebate --help\n")
        exit(64)
    }
    command.run(ParsedArguments(argv.dropFirst(), spec: command.spec))
}
