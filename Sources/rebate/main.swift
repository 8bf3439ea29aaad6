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

/// The exit codes from the library's one list, plus the command line's own 64, wrapped at 76 columns.
let exitCodeLines = (RebateError.exitCodes + [(64, "wrong command-line usage")]).sorted { $0.code < $1.code }.map {
    code, meaning in
    var lines: [String] = []
    var line = ""
    for word in meaning.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > 70 {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    lines.append(line)
    let number = String(code)
    return "  " + number + String(repeating: " ", count: 4 - number.count) + lines.joined(separator: "\n      ")
}.joined(separator: "\n")

let rootHelp = """
    OVERVIEW: Exact rebate accruals, month-end closes, claims and shards from invoice lines
    (the contract: docs/data-contract.md, v3).

    USAGE: rebate <subcommand> [options]

    SUBCOMMANDS:
    \(subcommands.map { "  " + $0.name + String(repeating: " ", count: max(1, 12 - $0.name.count)) + $0.command.summary }.joined(separator: "\n"))

    OPTIONS:
      --version     Show the version.
      -h, --help    Show help information.

      See 'rebate <subcommand> --help' for the options of each subcommand.

    EXIT CODES:
    \(exitCodeLines)
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
