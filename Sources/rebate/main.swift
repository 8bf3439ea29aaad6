import Dispatch
import RebateEngine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `rebate`: the thin command-line layer over ``AccrualJob``.
let version = "0.1.0"

let rootHelp = """
OVERVIEW: Exact rebate accruals from invoice lines (SPEC.md v1).

USAGE: rebate <subcommand> [options]

SUBCOMMANDS:
  accrue DATASET --out DIR     Compute accruals, settlements, statements and anomalies.
  import DATASET               Write transactions.rbc, the columnar form accrue maps instead of parsing.
  statement DATASET --partner ID
                               Write a partner-facing HTML statement: tiers, progress, forecast.
  validate DATASET             Check the four input files; write nothing.

OPTIONS:
  --version                    Show the version.
  -h, --help                   Show help information.

  See 'rebate <subcommand> --help' for the options of each subcommand.

EXIT CODES:
  0   success
  2   bad partners, products or agreements file, or a transactions.csv header
      without a required column (every problem is listed on stderr)
  3   more transaction lines rejected than --max-rejects (rejects.csv and
      summary.json are written; no accrual outputs)
  64  wrong command-line usage
  70  an internal check failed (a bug: please report it)
  74  a file could not be read or written
"""

let accrueHelp = """
OVERVIEW: Compute every accrual output of a dataset folder.

USAGE: rebate accrue <dataset> --out <dir> [--as-of <date>] [--threads <n>] [--max-rejects <n>] [--csv] [--quiet]

ARGUMENTS:
  <dataset>               Folder with partners.csv, products.csv, agreements.json and
                          transactions.csv, or transactions.rbc written by `rebate import`
                          (used when present; refused when transactions.csv changed since).

OPTIONS:
  --out <dir>             Folder for accruals.csv, settlements.csv, statements.csv,
                          anomalies.csv, rejects.csv, summary.json and report.html
                          (created if needed).
  --as-of <date>          YYYY-MM-DD. Lines dated after it are ignored; months after it
                          are not reported; periods ending after it are not settled.
  --threads <n>           Worker threads (default: the number of processors). Outputs
                          are byte-identical for any value.
  --max-rejects <n>       Rejected transaction lines tolerated (default: 0). Above it the
                          run exits with code 3 and writes only rejects.csv and summary.json.
  --csv                   Read transactions.csv even when transactions.rbc is present.
  --quiet                 Print nothing but errors (no warnings, no progress).
  -h, --help              Show help information.

Runs longer than a second show the stage and percentage on stderr when it is a terminal.
"""

let importHelp = """
OVERVIEW: Convert transactions.csv to transactions.rbc, a checksummed columnar file that
`rebate accrue` memory-maps and uses without parsing (format: docs/columnar-format.md).

USAGE: rebate import <dataset> [--out <file>] [--threads <n>] [--quiet]

ARGUMENTS:
  <dataset>               Folder with partners.csv, products.csv, agreements.json, transactions.csv.

OPTIONS:
  --out <file>            Where to write (default: <dataset>/transactions.rbc).
  --threads <n>           Worker threads (default: the number of processors).
  --quiet                 Print nothing but errors.
  -h, --help              Show help information.

Rejected lines are kept in the file with their reasons; `rebate accrue` reports them
and applies --max-rejects exactly as it does for the CSV.
"""

let statementHelp = """
OVERVIEW: Write the rebate statement of one beneficiary as a self-contained HTML page:
each agreement's period, what was bought so far, the tier reached, the rebate earned,
how much more to buy for the next tier, and the run-rate forecast for the period.

USAGE: rebate statement <dataset> --partner <id> [--as-of <date>] [--out <file>] [--csv] [--quiet]

ARGUMENTS:
  <dataset>               Dataset folder, as for `rebate accrue`.

OPTIONS:
  --partner <id>          The partner or buying-group id (a partner also sees its group's agreements).
  --as-of <date>          YYYY-MM-DD; the figures are taken on this day (default: each period's end).
  --out <file>            Where to write (default: statement-<id>.html).
  --csv                   Read transactions.csv even when transactions.rbc is present.
  --quiet                 Print nothing but errors.
  -h, --help              Show help information.
"""

let validateHelp = """
OVERVIEW: Check a dataset folder without writing anything.

USAGE: rebate validate <dataset> [--max-rejects <n>] [--csv] [--quiet]

ARGUMENTS:
  <dataset>               Folder with partners.csv, products.csv, agreements.json, transactions.csv.

OPTIONS:
  --max-rejects <n>       Rejected transaction lines tolerated (default: 0); above it, exit code 3.
  --csv                   Check transactions.csv even when transactions.rbc is present.
  --quiet                 Print nothing but errors.
  -h, --help              Show help information.
"""

/// Writes to standard error through the file descriptor (the C `stderr` global is not concurrency-safe).
func printError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String, code: Int32, hint: String? = nil) -> Never {
    var text = "Error: " + message + "\n"
    if let hint { text += hint + "\n" }
    printError(text)
    exit(code)
}

func usage(_ message: String, _ command: String?) -> Never {
    fail(message, code: 64, hint: "Help:  rebate \(command.map { $0 + " " } ?? "")--help")
}

struct Arguments {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []
}

func parse(_ args: ArraySlice<String>, command: String, valueOptions: Set<String>, flagOptions: Set<String>) -> Arguments {
    var result = Arguments()
    var i = args.startIndex
    while i < args.endIndex {
        let a = args[i]
        if a == "-h" || a == "--help" { result.flags.insert("--help"); i += 1; continue }
        if a.hasPrefix("--") {
            var name = a
            var inline: String?
            if let eq = a.firstIndex(of: "=") { name = String(a[..<eq]); inline = String(a[a.index(after: eq)...]) }
            if valueOptions.contains(name) {
                if let inline { result.values[name] = inline; i += 1; continue }
                guard i + 1 < args.endIndex else { usage("missing value for '\(name)'", command) }
                result.values[name] = args[i + 1]
                i += 2
                continue
            }
            if flagOptions.contains(name) { result.flags.insert(name); i += 1; continue }
            usage("unknown option '\(a)'", command)
        }
        result.positional.append(a)
        i += 1
    }
    return result
}

func count(_ args: Arguments, _ name: String, _ command: String) -> Int? {
    guard let text = args.values[name] else { return nil }
    guard let v = Int(text), v >= 0 else { usage("\(name) takes a whole number 0 or more, not '\(text)'", command) }
    return v
}

func report(_ error: RebateError) -> Never {
    clearProgressLine()
    fail(error.description, code: error.exitCode)
}

/// Shows the stage and percentage on stderr while a run takes longer than a
/// second, only when stderr is a terminal; silent otherwise.
final class ProgressDisplay: Sendable {
    let progress = RunProgress()
    private let stopped = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    func start(quiet: Bool) {
        guard !quiet, isatty(2) != 0 else { return }
        running.store(true, ordering: .releasing)
        DispatchQueue.global().async { [self] in
            var waited = 0
            var shown = false
            while !stopped.load(ordering: .acquiring) {
                usleep(100_000)
                waited += 100
                if waited >= 1000, !stopped.load(ordering: .acquiring), let s = progress.snapshot {
                    printError("\r\(s.stage) \(s.percent)%\u{1B}[K")
                    shown = true
                }
            }
            if shown { printError("\r\u{1B}[K") }
            finished.signal()
        }
    }

    /// Stops the display and waits until its line is cleared, so nothing is printed after.
    func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        stopped.store(true, ordering: .releasing)
        finished.wait()
    }
}

let display = ProgressDisplay()
func clearProgressLine() { display.stop() }

/// The one `<dataset>` argument every subcommand takes.
func datasetArgument(_ args: Arguments, _ command: String) -> String {
    guard args.positional.count == 1 else { usage(args.positional.isEmpty ? "missing <dataset>" : "one <dataset> folder expected", command) }
    return args.positional[0]
}

func asOfOption(_ args: Arguments, _ command: String) -> CivilDate? {
    guard let text = args.values["--as-of"] else { return nil }
    guard let d = CivilDate(text) else { usage("--as-of takes a date YYYY-MM-DD (1900...2999), not '\(text)'", command) }
    return d
}

let argv = CommandLine.arguments.dropFirst()
guard let command = argv.first else { print(rootHelp); exit(0) }
switch command {
case "-h", "--help", "help":
    print(rootHelp)
case "--version":
    print("rebate \(version)")
case "accrue":
    let args = parse(argv.dropFirst(), command: "accrue", valueOptions: ["--out", "--as-of", "--threads", "--max-rejects"], flagOptions: ["--quiet", "--csv"])
    if args.flags.contains("--help") { print(accrueHelp); exit(0) }
    let dataset = datasetArgument(args, "accrue")
    guard let out = args.values["--out"] else { usage("missing '--out <dir>'", "accrue") }
    let asOf = asOfOption(args, "accrue")
    let threads = count(args, "--threads", "accrue")
    if threads == 0 { usage("--threads must be at least 1", "accrue") }
    let maxRejects = count(args, "--max-rejects", "accrue") ?? 0
    let quiet = args.flags.contains("--quiet")
    display.start(quiet: quiet)
    do {
        let outcome = try AccrualJob.run(dataset: dataset, outputFolder: out,
                                         options: AccrualOptions(asOf: asOf, threads: threads, progress: display.progress), maxRejects: maxRejects,
                                         columnar: !args.flags.contains("--csv"))
        display.stop()
        if !quiet {
            for w in outcome.loaded.dataset.agreements.warnings { printError("Warning: \(w.description)\n") }
        }
        if !quiet, let r = outcome.report {
            let t = outcome.loaded.totals
            let money = { (v: Int128) in RebateEngine.formatMoney(v, decimals: r.decimals) + " " + r.currency }
            print("read \(t.linesRead) lines from \(outcome.loaded.transactionsFile): \(t.linesAccepted) accepted, \(t.linesRejected) rejected")
            print("\(r.accruals.count) accrual rows, \(r.settlements.count) settlements, \(r.statements.count) statements, \(r.anomalies.count) anomalies")
            print("accrued \(money(r.totalAccrued)), settled \(money(r.totalSettled))")
            print("wrote \(out)/{accruals,settlements,statements,anomalies,rejects}.csv, report.html and summary.json")
        }
    } catch {
        display.stop()
        if case .tooManyRejects = error { printError("Error: \(error.description)\n"); exit(error.exitCode) }
        report(error)
    }
case "import":
    let args = parse(argv.dropFirst(), command: "import", valueOptions: ["--out", "--threads"], flagOptions: ["--quiet"])
    if args.flags.contains("--help") { print(importHelp); exit(0) }
    let dataset = datasetArgument(args, "import")
    let threads = count(args, "--threads", "import")
    if threads == 0 { usage("--threads must be at least 1", "import") }
    do {
        let loaded = try ImportJob.run(dataset: dataset, output: args.values["--out"], threads: threads ?? RebateEngine.defaultThreadCount)
        if !args.flags.contains("--quiet") {
            let t = loaded.totals
            print("imported \(t.linesRead) lines: \(t.linesAccepted) accepted, \(t.linesRejected) rejected -> \(args.values["--out"] ?? dataset + "/" + ColumnarFile.fileName)")
        }
    } catch {
        report(error)
    }
case "statement":
    let args = parse(argv.dropFirst(), command: "statement", valueOptions: ["--partner", "--as-of", "--out", "--threads"], flagOptions: ["--quiet", "--csv"])
    if args.flags.contains("--help") { print(statementHelp); exit(0) }
    let dataset = datasetArgument(args, "statement")
    guard let beneficiary = args.values["--partner"] else { usage("missing '--partner <id>'", "statement") }
    let asOf = asOfOption(args, "statement")
    let out = args.values["--out"] ?? "statement-\(beneficiary).html"
    display.start(quiet: args.flags.contains("--quiet"))
    do {
        let options = AccrualOptions(asOf: asOf, threads: count(args, "--threads", "statement"), progress: display.progress)
        let loaded = try DatasetLoader.load(folder: dataset, threads: options.threads, columnar: !args.flags.contains("--csv"), progress: options.progress)
        let result = try RebateEngine.run(loaded.dataset, options: options)
        display.stop()
        guard let page = PartnerStatement.html(result, loaded: loaded, beneficiary: beneficiary) else {
            fail("no statement for '\(beneficiary)': not a partner or group with an agreement started by \(asOf.map(\.description) ?? "the end of the data")", code: 2)
        }
        try AccrualJob.writeFile(Array(page.utf8), to: out)
        if !args.flags.contains("--quiet") { print("wrote \(out)") }
    } catch {
        report(error)
    }
case "validate":
    let args = parse(argv.dropFirst(), command: "validate", valueOptions: ["--max-rejects"], flagOptions: ["--quiet", "--csv"])
    if args.flags.contains("--help") { print(validateHelp); exit(0) }
    let dataset = datasetArgument(args, "validate")
    let maxRejects = count(args, "--max-rejects", "validate") ?? 0
    do {
        let loaded = try DatasetLoader.load(folder: dataset, columnar: !args.flags.contains("--csv"))
        // The agreements are also resolved against the data, as `accrue` would.
        _ = try RebateEngine.run(loaded.dataset, options: AccrualOptions(threads: 1)).accruals.count
        for w in loaded.dataset.agreements.warnings { printError("Warning: \(w.description)\n") }
        for r in loaded.rejects.prefix(20) {
            printError("\(r.file):\(r.line): \(r.reason)\n")
        }
        if loaded.rejects.count > 20 { printError("... and \(loaded.rejects.count - 20) more rejected lines\n") }
        if !args.flags.contains("--quiet") {
            let t = loaded.totals
            print("\(dataset): \(loaded.dataset.partners.count) partners, \(loaded.dataset.products.count) products, \(loaded.dataset.agreements.agreements.count) agreements; \(t.linesRead) lines read, \(t.linesAccepted) accepted, \(t.linesRejected) rejected")
        }
        if loaded.rejects.count > maxRejects {
            report(.tooManyRejects(rejected: loaded.rejects.count, allowed: maxRejects))
        }
    } catch {
        report(error)
    }
default:
    usage("unknown subcommand '\(command)'", nil)
}
