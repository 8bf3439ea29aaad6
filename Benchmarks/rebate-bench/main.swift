import CommandLineOptions
import Foundation
@_spi(Benchmarks) import RebateEngine
import RebateGenerator

// rebate-bench: times each stage of RebateEngine in release builds and reports
// millions of lines per second, thread scaling, how cost grows, and the ratio
// to a straightforward baseline computed in the same run.

let spec = CommandSpec(
    name: "rebate-bench",
    overview: "Measure RebateEngine: stage timings, thread scaling, growth, ratio to a baseline.",
    options: [
        .value("--preset", "name", "Generate data-gen's preset in process (default: medium; small with --quick)."),
        .value("--lines", "n", "Generate this many lines instead of a preset."),
        .value("--dataset", "dir", "Use a dataset folder (its CSV is parsed; the columnar form is measured from it)."),
        .value("--threads", "n", "Most threads to use (default: all processors); scaling runs 1 ... n."),
        .value("--runs", "n", "Timed runs per measurement (default: 5; 3 with --quick); the median is reported."),
        .value("--warmup", "n", "Untimed runs first (default: 1)."),
        .flag("--quick", "A few seconds in all, for CI."),
        .flag("--no-baseline", "Skip the row-at-a-time baseline."),
        .flag("--no-growth", "Skip the growth study (lines x1, x10, x100 and agreements x1, x4, x16)."),
        .flag("--csv", "Also measure CSV and columnar loading above 20 million generated lines."),
        .value("--json", "file", "Also write the results as JSON."),
    ])
let args = ParsedArguments(CommandLine.arguments.dropFirst(), spec: spec)
let quick = args.flag("--quick")
let maxThreads = args.count("--threads", minimum: 1) ?? AccrualEngine.defaultThreadCount
let runs = args.count("--runs", minimum: 1) ?? (quick ? 3 : 5)
let warmup = args.count("--warmup") ?? 1

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Median, min and max of repeated timings, in seconds.
struct Timing: Encodable {
    var medianSeconds: Double
    var minSeconds: Double
    var maxSeconds: Double
    init(_ ns: [UInt64]) {
        let s = ns.sorted().map { Double($0) / 1e9 }
        medianSeconds = s[s.count / 2]
        minSeconds = s.first!
        maxSeconds = s.last!
    }
}

func measure(_ body: () throws -> Void) rethrows -> Timing {
    for _ in 0..<warmup { try body() }
    var samples: [UInt64] = []
    for _ in 0..<max(1, runs) {
        let t = now()
        try body()
        samples.append(now() - t)
    }
    return Timing(samples)
}

func peakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

struct StageRow: Encodable {
    var stage: String
    var timing: Timing
    var linesPerSecond: Double
    var bytesPerSecond: Double?
    /// This stage's median over its in-process ceiling's: the scatter-add for computation stages, the csv
    /// read for the csv parse.
    var overCeiling: Double?
}

/// What the machine allows, measured in the same run on the same columns (``Ceiling``).
struct CeilingRow: Encodable {
    var readPassSeconds: Double
    var readBytesPerSecond: Double
    var scatterAddSeconds: Double
    var scatterAddLinesPerSecond: Double
}

struct Report: Encodable {
    var machine: String
    var threads: Int
    var lines: Int
    var agreements: Int
    var stages: [StageRow] = []
    var scaling: [[String: Double]] = []
    var growth: [[String: Double]] = []
    var baselineSeconds: Double?
    var baselineAgrees: Bool?
    var engineOverBaseline: Double?
    var peakRSSBytes: Int = 0
    var peakRSSBytesPerLine: Double = 0
    var ceiling: CeilingRow?
}

func fmt(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }
func millions(_ v: Double) -> String { fmt(v / 1e6, 1) }

// The dataset: from a folder (CSV parse measured) or generated in process.
var dataset: Dataset
var csvBytes = 0
var csvStage: StageRow?
var columnarStage: StageRow?
var columnarDataset: Dataset?

/// Imports the folder's CSV to the columnar form (unless it is there) and times loading it.
func measureColumnar(_ dir: String, importFirst: Bool = true) throws -> (StageRow, Dataset) {
    if importFirst { _ = try ImportJob.run(dataset: dir, threads: maxThreads) }
    let bytes =
        (try FileManager.default.attributesOfItem(atPath: dir + "/" + ColumnarFile.fileName)[.size] as? Int) ?? 0
    var loaded: Dataset?
    let t = try measure { loaded = try DatasetLoader.load(folder: dir, threads: maxThreads).dataset }
    let n = loaded!.transactions.count
    return (
        StageRow(
            stage: "columnar load", timing: t, linesPerSecond: Double(n) / t.medianSeconds,
            bytesPerSecond: Double(bytes) / t.medianSeconds), loaded!
    )
}
/// What the floors return, summed and printed, so their work is not optimised away.
var sink: Int64 = 0
/// The CSV parse's own floor: the same file mapped and every byte read once, in the same pieces;
/// the parse is reported as a multiple of it.
var csvCeilingStage: StageRow?
@MainActor func measureCSVCeiling(_ path: String, lines: Int) throws {
    let t = try measure {
        sink &+= Int64(truncatingIfNeeded: try Ceiling.fileReadPass(path: path, threads: maxThreads))
    }
    csvCeilingStage = StageRow(
        stage: "ceiling: csv read", timing: t, linesPerSecond: Double(lines) / t.medianSeconds,
        bytesPerSecond: Double(csvBytes) / t.medianSeconds, overCeiling: 1)
    if let parse = csvStage?.timing.medianSeconds { csvStage?.overCeiling = parse / t.medianSeconds }
}
if let dir = args.value("--dataset") {
    let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/transactions.csv")[.size] as? Int) ?? 0
    csvBytes = size
    var loaded: LoadedDataset?
    let t = try measure { loaded = try DatasetLoader.load(folder: dir, threads: maxThreads, columnar: false) }
    dataset = loaded!.dataset
    csvStage = StageRow(
        stage: "csv parse", timing: t, linesPerSecond: Double(loaded!.totals.linesRead) / t.medianSeconds,
        bytesPerSecond: Double(size) / t.medianSeconds)
    try measureCSVCeiling(dir + "/transactions.csv", lines: loaded!.totals.linesRead)
    if FileManager.default.fileExists(atPath: dir + "/" + ColumnarFile.fileName) {
        (columnarStage, columnarDataset) = try measureColumnar(dir, importFirst: false)
    }
} else {
    var config =
        args.count("--lines").map { DatasetGenerator.Configuration(lines: $0) }
        ?? DatasetGenerator.Configuration.preset(args.value("--preset") ?? (quick ? "small" : "medium"))!
    if quick, args.value("--lines") == nil, args.value("--preset") == nil { config = .init(lines: 300_000) }
    let generator = DatasetGenerator(config)
    dataset = generator.makeDataset()
    if config.lines <= 20_000_000 || args.flag("--csv") {
        // Measure the CSV parser and the columnar file on the same data, written to a temporary folder.
        let dir = NSTemporaryDirectory() + "rebate-bench-\(getpid())"
        _ = try generator.write(to: dir, threads: maxThreads)
        let size = (try FileManager.default.attributesOfItem(atPath: dir + "/transactions.csv")[.size] as? Int) ?? 0
        csvBytes = size
        var read = 0
        let t = try measure {
            read = try DatasetLoader.load(folder: dir, threads: maxThreads, columnar: false).totals.linesRead
        }
        csvStage = StageRow(
            stage: "csv parse", timing: t, linesPerSecond: Double(read) / t.medianSeconds,
            bytesPerSecond: Double(size) / t.medianSeconds)
        try measureCSVCeiling(dir + "/transactions.csv", lines: read)
        (columnarStage, columnarDataset) = try measureColumnar(dir)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
let lines = dataset.transactions.count
let columnBytes = Double(lines * 28)
var report = Report(
    machine:
        "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB",
    threads: maxThreads, lines: lines, agreements: dataset.agreements.agreements.count)
if let csvStage { report.stages.append(csvStage) }
if let csvCeilingStage { report.stages.append(csvCeilingStage) }
if let columnarStage { report.stages.append(columnarStage) }

// Engine stages, from the engine's own stage clock, at full thread count.
var stageSamples: [String: [UInt64]] = [:]
var last: AccrualReport?
let whole = try measure {
    let r = try AccrualEngine.run(dataset, options: AccrualOptions(threads: maxThreads))
    for (stage, ns) in r.stageTimings { stageSamples[stage, default: []].append(ns) }
    last = r
}
for stage in ["partition", "accumulate", "assemble"] {
    let t = Timing(Array(stageSamples[stage]!.suffix(max(1, runs))))
    report.stages.append(
        StageRow(
            stage: stage, timing: t, linesPerSecond: Double(lines) / t.medianSeconds,
            bytesPerSecond: stage == "assemble" ? nil : columnBytes / t.medianSeconds))
}
report.stages.append(
    StageRow(
        stage: "compute (all)", timing: whole, linesPerSecond: Double(lines) / whole.medianSeconds,
        bytesPerSecond: columnBytes / whole.medianSeconds))
// The same computation on the columnar file's mapped, partner-grouped columns: no partitioning copy.
if let grouped = columnarDataset {
    var samples: [String: [UInt64]] = [:]
    let t = try measure {
        let r = try AccrualEngine.run(grouped, options: AccrualOptions(threads: maxThreads))
        for (stage, ns) in r.stageTimings { samples[stage, default: []].append(ns) }
    }
    let accumulate = Timing(Array(samples["accumulate"]!.suffix(max(1, runs))))
    report.stages.append(
        StageRow(
            stage: "accumulate (grouped)", timing: accumulate, linesPerSecond: Double(lines) / accumulate.medianSeconds,
            bytesPerSecond: columnBytes / accumulate.medianSeconds))
    report.stages.append(
        StageRow(
            stage: "compute (grouped)", timing: t, linesPerSecond: Double(lines) / t.medianSeconds,
            bytesPerSecond: columnBytes / t.medianSeconds))
}
// The in-process ceiling, on the same columns at the same thread count: every computation stage
// is reported as a multiple of the scatter-add, which holds whatever the machine.
let readPass = measure { sink &+= Ceiling.readPass(dataset.transactions, threads: maxThreads) }
let scatter = measure {
    sink &+= Ceiling.scatterAdd(dataset.transactions, partners: dataset.partners.count, threads: maxThreads).first ?? 0
}
report.ceiling = CeilingRow(
    readPassSeconds: readPass.medianSeconds, readBytesPerSecond: columnBytes / readPass.medianSeconds,
    scatterAddSeconds: scatter.medianSeconds, scatterAddLinesPerSecond: Double(lines) / scatter.medianSeconds)
for i in report.stages.indices
where ["partition", "accumulate", "compute (all)", "accumulate (grouped)", "compute (grouped)"].contains(
    report.stages[i].stage)
{
    report.stages[i].overCeiling = report.stages[i].timing.medianSeconds / scatter.medianSeconds
}
report.stages.append(
    StageRow(
        stage: "ceiling: read pass", timing: readPass, linesPerSecond: Double(lines) / readPass.medianSeconds,
        bytesPerSecond: columnBytes / readPass.medianSeconds))
report.stages.append(
    StageRow(
        stage: "ceiling: scatter-add", timing: scatter, linesPerSecond: Double(lines) / scatter.medianSeconds,
        bytesPerSecond: columnBytes / scatter.medianSeconds, overCeiling: 1))

let result = last!
var outputBytes = 0
let writeDir = NSTemporaryDirectory() + "rebate-bench-out-\(getpid())"
try FileManager.default.createDirectory(atPath: writeDir, withIntermediateDirectories: true)
let writing = try measure {
    let files = [result.accrualsCSV(), result.settlementsCSV(), result.statementsCSV(), result.anomaliesCSV()]
    outputBytes = files.reduce(0) { $0 + $1.count }
    for (i, f) in files.enumerated() {
        try Data(f).write(to: URL(fileURLWithPath: writeDir + "/out\(i).csv"), options: .atomic)
    }
}
try? FileManager.default.removeItem(atPath: writeDir)
report.stages.append(
    StageRow(
        stage: "output writing", timing: writing, linesPerSecond: Double(lines) / writing.medianSeconds,
        bytesPerSecond: Double(outputBytes) / writing.medianSeconds))

// Thread scaling of the compute stage.
var oneThread = 0.0
for threads in 1...max(1, maxThreads) {
    let t = try measure { _ = try AccrualEngine.run(dataset, options: AccrualOptions(threads: threads)) }
    if threads == 1 { oneThread = t.medianSeconds }
    report.scaling.append([
        "threads": Double(threads), "seconds": t.medianSeconds, "linesPerSecond": Double(lines) / t.medianSeconds,
        "speedup": oneThread / t.medianSeconds,
    ])
}

// The baseline, on the same data, checked to agree.
if !args.flag("--no-baseline") {
    let start = now()
    let baseline = BaselineAccrual.run(dataset, asOf: nil)
    let seconds = Double(now() - start) / 1e9
    report.baselineSeconds = seconds
    report.baselineAgrees =
        baseline.accrualsCSV() == result.accrualsCSV() && baseline.settlementsCSV() == result.settlementsCSV()
        && baseline.statementsCSV() == result.statementsCSV()
    report.engineOverBaseline = seconds / whole.medianSeconds
}

report.peakRSSBytes = peakRSSBytes()
report.peakRSSBytesPerLine = Double(report.peakRSSBytes) / Double(max(1, lines))

// How cost grows: lines x1, x10, x100 and agreements x1, x4, x16.
if !args.flag("--no-growth") {
    let base = quick ? 100_000 : 1_000_000
    for factor in [1, 10, 100] {
        let n = base * factor
        if !quick, n > 100_000_000 { continue }
        let d = DatasetGenerator(.init(lines: n)).makeDataset()
        let t = try measure { _ = try AccrualEngine.run(d, options: AccrualOptions(threads: maxThreads)) }
        report.growth.append([
            "lines": Double(n), "agreements": Double(d.agreements.agreements.count), "seconds": t.medianSeconds,
            "linesPerSecond": Double(n) / t.medianSeconds,
        ])
    }
    for density in [1, 4, 16] {
        let d = DatasetGenerator(.init(lines: base * 10, agreementDensity: density)).makeDataset()
        let t = try measure { _ = try AccrualEngine.run(d, options: AccrualOptions(threads: maxThreads)) }
        report.growth.append([
            "lines": Double(base * 10),
            "agreementsPerPartner": Double(d.agreements.agreements.count) / Double(d.partners.count),
            "agreements": Double(d.agreements.agreements.count), "seconds": t.medianSeconds,
            "linesPerSecond": Double(base * 10) / t.medianSeconds,
        ])
    }
}
// The readable table.
print(
    "rebate-bench: \(lines) lines, \(report.agreements) agreements, \(report.machine), up to \(maxThreads) threads, median of \(runs) runs after \(warmup) warm-up"
)
print("")
print("stage                 median s     min s     max s    M lines/s      MB/s   x ceiling")
for s in report.stages {
    print(
        s.stage.padding(toLength: 20, withPad: " ", startingAt: 0),
        fmt(s.timing.medianSeconds, 4).leftPad(9), fmt(s.timing.minSeconds, 4).leftPad(9),
        fmt(s.timing.maxSeconds, 4).leftPad(9),
        millions(s.linesPerSecond).leftPad(12), (s.bytesPerSecond.map { fmt($0 / 1e6, 0) } ?? "-").leftPad(9),
        (s.overCeiling.map { fmt($0, 1) } ?? "").leftPad(11))
}
print(
    "x ceiling: the stage's median over the scatter-add's (each line's amount added to its partner's month), measured in this run on the same columns (sink \(sink & 1)); csv parse: over the csv read (the same file mapped and every byte read once, in the same pieces)"
)
print("")
print("threads   compute s   M lines/s   speed-up")
for s in report.scaling {
    print(
        String(Int(s["threads"]!)).leftPad(7), fmt(s["seconds"]!, 4).leftPad(11),
        millions(s["linesPerSecond"]!).leftPad(11), fmt(s["speedup"]!).leftPad(10))
}
if !report.growth.isEmpty {
    print("")
    print("growth: lines   agreements   compute s   M lines/s")
    for g in report.growth {
        print(
            String(Int(g["lines"]!)).leftPad(13), String(Int(g["agreements"]!)).leftPad(12),
            fmt(g["seconds"]!, 4).leftPad(11), millions(g["linesPerSecond"]!).leftPad(11))
    }
}
if let b = report.baselineSeconds {
    print("")
    print(
        "baseline (row at a time, 1 thread): \(fmt(b, 3)) s; engine is \(fmt(report.engineOverBaseline!, 1))x faster; outputs agree: \(report.baselineAgrees! ? "yes" : "NO")"
    )
}
print(
    "peak RSS before the growth study: \(report.peakRSSBytes / 1_048_576) MiB (\(fmt(report.peakRSSBytesPerLine, 1)) bytes per line, generator and baseline included)"
)

if let path = args.value("--json") {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: path))
}
if report.baselineAgrees == false { exit(1) }

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
