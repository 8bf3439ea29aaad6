import CommandLineOptions
import RebateEngine
import RebateGenerator

#if canImport(Glibc)
import Glibc
#endif

let spec = CommandSpec(
    name: "data-gen",
    overview: "Write a realistic full-year rebate dataset (SPEC.md section 1).",
    options: [
        .value("--out", "dir", "Folder to write partners.csv, products.csv, agreements.json, transactions.csv."),
        .value(
            "--preset", "name",
            "small (10 thousand lines), medium (10 million), large (100 million),\nhuge (1 billion), v3 (medium with two years, USD and JPY lines and claims).\nDefault: small."
        ),
        .value("--lines", "n", "Transaction lines (overrides the preset)."),
        .value("--partners", "n", "Partners (default: lines / 2000, 40 to 50000)."),
        .value("--products", "n", "Products (default: lines / 5000, 40 to 20000)."),
        .value("--year", "yyyy", "Calendar year of the lines and agreements (default: 2026)."),
        .value("--seed", "n", "Random seed (default: 1). The same arguments give the same bytes."),
        .value("--bad-lines", "rate", "Share of lines replaced by malformed ones, e.g. 0.001 (default: 0)."),
        .value("--agreements-x", "n", "Multiply the agreements per partner (default: 1)."),
        .value("--threads", "n", "Generator threads (default: all processors); never changes the output."),
        .value(
            "--years", "n",
            "2: a prior year of lines too (partners new, growing, flat or shrinking)\nand growth agreements over it (default: 1)."
        ),
        .value(
            "--currencies", "list",
            "Currencies some partners are invoiced in, with their decimals, e.g.\nUSD:2,JPY:0; writes rates.csv (daily rates, none at weekends)."
        ),
        .flag(
            "--claims",
            "Pay some agreements on claim and write claims.csv (exact, partial,\nover, repeated, early, wrong-partner and late claims)."
        ),
        .flag("--quiet", "Print nothing but errors."),
        .value(
            "--shards", "n",
            "Write <dir>/shard-0 ... shard-<n-1> as `rebate split` would (each a\ncomplete dataset, each agreement whole in one), not one dataset."
        ),
    ],
    required: ["--out"],
    discussion: "EXIT CODES: 0 success, 1 not enough disk space or an I/O error, 64 usage error.")

let args = ParsedArguments(CommandLine.arguments.dropFirst(), spec: spec)
let out = args.required("--out")
guard var config = DatasetGenerator.Configuration.preset(args.value("--preset") ?? "small") else {
    args.usage("unknown preset '\(args.value("--preset")!)'")
}
if let v = args.count("--lines") { config = .init(lines: v, year: config.year) }
if let v = args.count("--partners") { config.partners = max(4, v) }
if let v = args.count("--products") { config.products = max(8, v) }
if let v = args.count("--year") {
    guard (1901...2998).contains(v) else { args.usage("--year must be 1901...2998") }
    config.year = v
}
if let v = args.count("--seed") { config.seed = UInt64(v) }
if let v = args.count("--agreements-x") { config.agreementDensity = max(1, v) }
if let v = args.count("--years") {
    guard v == 1 || v == 2 else { args.usage("--years takes 1 or 2") }
    config.priorYear = v == 2
}
if let list = args.value("--currencies") {
    var listed: [ListedCurrency] = []
    for item in list.split(separator: ",") {
        let parts = item.split(separator: ":")
        guard parts.count == 2, parts[0].count == 3, parts[0].allSatisfy({ $0.isUppercase && $0.isASCII }),
            let d = Int(parts[1]), (0...6).contains(d), parts[0] != "EUR"
        else { args.usage("--currencies takes codes and decimals like USD:2,JPY:0 (EUR is the book currency)") }
        listed.append(ListedCurrency(code: String(parts[0]), decimals: d))
    }
    config.currencies = listed
}
if args.flag("--claims") { config.claims = true }
if let text = args.value("--bad-lines") {
    // A rate like 0.001, read exactly as parts per million.
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = Int(parts[0].isEmpty ? "0" : parts[0]),
        parts.count == 1 || parts[1].allSatisfy(\.isNumber)
    else { args.usage("--bad-lines takes a rate like 0.001") }
    let fraction = parts.count == 2 ? String((parts[1] + "000000").prefix(6)) : "000000"
    config.badLinesPerMillion = whole * 1_000_000 + Int(fraction)!
}
let threads = args.count("--threads", minimum: 1) ?? AccrualEngine.defaultThreadCount
let shards = args.count("--shards", minimum: 1)
if shards != nil, config.badLinesPerMillion > 0 {
    args.usage("--bad-lines and --shards do not go together: rejects are the split's (use rebate split)")
}

var start = timespec()
clock_gettime(CLOCK_MONOTONIC, &start)
let generator = DatasetGenerator(config)
do {
    let stats = try generator.write(to: out, threads: max(1, threads), shards: shards)
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let elapsedNanoseconds =
        (Int(end.tv_sec) - Int(start.tv_sec)) * 1_000_000_000 + Int(end.tv_nsec) - Int(start.tv_nsec)
    let milliseconds = elapsedNanoseconds / 1_000_000
    let linesPerSecond = elapsedNanoseconds > 0 ? stats.lines * 1_000_000_000 / elapsedNanoseconds : 0
    let bytesPerLine = stats.lines > 0 ? Int(stats.transactionBytes) / stats.lines : 0
    if !args.flag("--quiet") {
        print(
            "data-gen: \(stats.lines) lines, \(generator.partners.count) partners, \(generator.products.count) products, \(generator.agreements.agreements.count) agreements, \(stats.totalBytes) bytes (\(bytesPerLine) per line), \(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst()) s, \(linesPerSecond) lines/s -> \(out)\(shards.map { " (\($0) shards)" } ?? "")"
        )
    }
} catch {
    printError("Error: \(error.description)\n")
    exit(1)
}
