import RebateEngine
import RebateGenerator
#if canImport(Glibc)
import Glibc
#endif

let help = """
OVERVIEW: Write a realistic full-year rebate dataset (SPEC.md section 1).

USAGE: data-gen --out <dir> [--preset small|medium|large|huge] [--lines <n>] [--partners <n>]
                [--products <n>] [--year <yyyy>] [--seed <n>] [--bad-lines <rate>] [--agreements-x <n>]
                [--threads <n>]

OPTIONS:
  --out <dir>             Folder to write partners.csv, products.csv, agreements.json, transactions.csv.
  --preset <name>         small (10 thousand lines), medium (10 million), large (100 million),
                          huge (1 billion). Default: small.
  --lines <n>             Transaction lines (overrides the preset).
  --partners <n>          Partners (default: lines / 2000, 40 to 50000).
  --products <n>          Products (default: lines / 5000, 40 to 20000).
  --year <yyyy>           Calendar year of the lines and agreements (default: 2026).
  --seed <n>              Random seed (default: 1). The same arguments give the same bytes.
  --bad-lines <rate>      Share of lines replaced by malformed ones, e.g. 0.001 (default: 0).
  --agreements-x <n>      Multiply the agreements per partner (default: 1).
  --threads <n>           Generator threads (default: all processors); never changes the output.
  -h, --help              Show help information.

EXIT CODES: 0 success, 1 not enough disk space or an I/O error, 64 usage error.
"""

func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func usage(_ message: String) -> Never {
    printError("Error: \(message)\nHelp:  data-gen --help")
    exit(64)
}

var options: [String: String] = [:]
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    if a == "-h" || a == "--help" { print(help); exit(0) }
    guard a.hasPrefix("--"), let value = args.popFirst() else { usage("unexpected argument '\(a)'") }
    options[a] = value
}
let known: Set = ["--out", "--preset", "--lines", "--partners", "--products", "--year", "--seed", "--bad-lines", "--agreements-x", "--threads"]
if let unknown = options.keys.first(where: { !known.contains($0) }) { usage("unknown option '\(unknown)'") }
guard let out = options["--out"] else { usage("missing '--out <dir>'") }
guard var config = DatasetGenerator.Configuration.preset(options["--preset"] ?? "small") else { usage("unknown preset '\(options["--preset"]!)'") }
let given = options
func number(_ name: String) -> Int? {
    guard let text = given[name] else { return nil }
    guard let v = Int(text.filter { $0 != "_" }), v >= 0 else { usage("\(name) takes a whole number, not '\(text)'") }
    return v
}
if let v = number("--lines") { config = .init(lines: v, year: config.year) }
if let v = number("--partners") { config.partners = max(4, v) }
if let v = number("--products") { config.products = max(8, v) }
if let v = number("--year") {
    guard (1901...2998).contains(v) else { usage("--year must be 1901...2998") }
    config.year = v
}
if let v = number("--seed") { config.seed = UInt64(v) }
if let v = number("--agreements-x") { config.agreementDensity = max(1, v) }
if let text = options["--bad-lines"] {
    // A rate like 0.001, read exactly as parts per million.
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = Int(parts[0].isEmpty ? "0" : parts[0]), parts.count == 1 || parts[1].allSatisfy(\.isNumber) else { usage("--bad-lines takes a rate like 0.001") }
    let fraction = parts.count == 2 ? String((parts[1] + "000000").prefix(6)) : "000000"
    config.badLinesPerMillion = whole * 1_000_000 + Int(fraction)!
}
let threads = number("--threads") ?? RebateEngine.defaultThreadCount

var start = timespec()
clock_gettime(CLOCK_MONOTONIC, &start)
let generator = DatasetGenerator(config)
do {
    let stats = try generator.write(to: out, threads: max(1, threads))
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let elapsedNanoseconds = (Int(end.tv_sec) - Int(start.tv_sec)) * 1_000_000_000 + Int(end.tv_nsec) - Int(start.tv_nsec)
    let milliseconds = elapsedNanoseconds / 1_000_000
    let linesPerSecond = elapsedNanoseconds > 0 ? stats.lines * 1_000_000_000 / elapsedNanoseconds : 0
    let bytesPerLine = stats.lines > 0 ? Int(stats.transactionBytes) / stats.lines : 0
    print("data-gen: \(stats.lines) lines, \(generator.partners.count) partners, \(generator.products.count) products, \(generator.agreements.agreements.count) agreements, \(stats.totalBytes) bytes (\(bytesPerLine) per line), \(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst()) s, \(linesPerSecond) lines/s -> \(out)")
} catch {
    printError("Error: \(error.description)")
    exit(1)
}
