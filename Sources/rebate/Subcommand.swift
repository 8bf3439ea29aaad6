import CommandLineOptions
import Dispatch
import RebateEngine
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A `rebate` subcommand: its option table and what it runs.
struct Subcommand: Sendable {
    /// The table its parser and `--help` are made from.
    var spec: CommandSpec
    /// One line for the root help.
    var summary: String
    /// Runs it with the parsed arguments; returns normally on success (exit 0).
    var run: @Sendable (ParsedArguments) -> Void
}

/// Options several subcommands share, declared once.
enum CommonOptions {
    static let asOf = asOf(
        "YYYY-MM-DD. Lines dated after it are ignored; months after it\nare not reported; periods ending after it are not settled."
    )
    /// `--as-of` with a help text of the command's own (its meaning there).
    static func asOf(_ help: String) -> OptionSpec { .value("--as-of", "date", help) }
    static let threads = OptionSpec.value(
        "--threads", "n",
        "Worker threads (default: the number of processors). Outputs\nare byte-identical for any value.")
    static let maxRejects = maxRejects(
        "Rejected transaction lines tolerated (default: 0). Above it the\nrun exits with code 3 and writes only rejects.csv and summary.json."
    )
    /// `--max-rejects` with a help text of the command's own.
    static func maxRejects(_ help: String) -> OptionSpec { .value("--max-rejects", "n", help) }
    static let csv = OptionSpec.flag("--csv", "Read the CSV lines even when transactions.rbc is present.")
    static let quiet = OptionSpec.flag("--quiet", "Print nothing but errors (no warnings, no progress).")
    static let dataset = (
        name: "dataset",
        help:
            "Folder with partners.csv, products.csv, agreements.json and the lines:\ntransactions.csv or a transactions/ folder of .csv files, or\ntransactions.rbc written by `rebate import` (used when present)."
    )
}

extension ParsedArguments {
    /// `--as-of` as a date.
    var asOf: CivilDate? {
        guard let text = value("--as-of") else { return nil }
        guard let d = CivilDate(text) else { usage("--as-of takes a date YYYY-MM-DD (1900...2999), not '\(text)'") }
        return d
    }

    /// `--threads`, at least 1.
    var threads: Int? { count("--threads", minimum: 1) }
}

/// Stops with the error's message and documented exit code.
func report(_ error: RebateError) -> Never {
    display.stop()
    printError("Error: " + error.description + "\n")
    exit(error.exitCode)
}

/// Prints the agreement warnings (unknown ids in scopes) unless quiet.
func printWarnings(_ loaded: LoadedDataset, quiet: Bool) {
    guard !quiet else { return }
    for w in loaded.dataset.agreements.warnings { printError("Warning: \(w.description)\n") }
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
            var shown = false
            var waited = 0
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

/// The one progress display of the process.
let display = ProgressDisplay()
