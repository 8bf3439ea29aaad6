import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The whole `rebate accrue` job: read a dataset folder, compute, write the outputs.
///
/// This is what the CLI runs; a nightly job can call it the same way.
public enum AccrualJob {
    /// The accrual output files, removed when a run fails so no stale result is mistaken for a new one.
    public static let accrualOutputs = [
        "accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "report.html",
    ]

    /// What a finished run reports.
    public struct Outcome: Sendable {
        /// What was read.
        public var loaded: LoadedDataset
        /// `nil` when the run stopped at the reject limit.
        public var report: AccrualReport?
        /// Wall-clock time of each stage, in nanoseconds.
        public var timings: [(stage: String, nanoseconds: UInt64)]
        /// The `summary.json` bytes written.
        public var summary: [UInt8]
    }

    /// Runs the job and writes every output of SPEC section 6 into `outputFolder`.
    /// - Throws: ``RebateError``; with ``RebateError/tooManyRejects(rejected:allowed:)``
    ///   `rejects.csv` and `summary.json` have still been written.
    /// - Parameter columnar: read `transactions.rbc` when the folder has one (the default), else always the CSV.
    public static func run(
        dataset folder: String, outputFolder: String, options: AccrualOptions, maxRejects: Int,
        columnar: Bool = true
    ) throws(RebateError) -> Outcome {
        var clock = StageClock()
        let loaded = try DatasetLoader.load(
            folder: folder, threads: options.threads, columnar: columnar, progress: options.progress)
        clock.lap("load")
        try AtomicFile.makeFolder(outputFolder)
        AtomicFile.removeTemporaries(in: outputFolder)
        let path = { @Sendable (name: String) in outputFolder + "/" + name }
        try AtomicFile.write(AccrualReport.rejectsCSV(loaded.rejects), to: path("rejects.csv"))
        if loaded.rejects.count > maxRejects {
            for name in accrualOutputs { AtomicFile.remove(path(name)) }
            clock.lap("write")
            let summary = RunSummary.json(
                loaded: loaded, report: nil, options: options, maxRejects: maxRejects, timings: clock.laps)
            try AtomicFile.write(summary, to: path("summary.json"))
            throw .tooManyRejects(rejected: loaded.rejects.count, allowed: maxRejects)
        }
        let report = try AccrualEngine.run(loaded.dataset, options: options)
        clock.lap("compute")
        clock.record(report.stageTimings, prefix: "compute")
        try report.verifyInvariants()
        options.progress?.begin(.writing, total: 5)
        // The outputs are independent: render and write them in parallel.
        let writers: [(String, @Sendable () -> [UInt8])] = [
            ("accruals.csv", { report.accrualsCSV() }), ("settlements.csv", { report.settlementsCSV() }),
            ("statements.csv", { report.statementsCSV() }), ("anomalies.csv", { report.anomaliesCSV() }),
            ("report.html", { Array(report.html(loaded: loaded).utf8) }),
        ]
        var failures = [RebateError?](repeating: nil, count: writers.count)
        failures.withUnsafeMutableBufferPointer { f in
            let slots = UnsafeTransfer(f)
            DispatchQueue.concurrentPerform(iterations: writers.count) { i in
                do throws(RebateError) {
                    try AtomicFile.write(writers[i].1(), to: path(writers[i].0))
                } catch {
                    slots.wrappedValue[i] = error
                }
                options.progress?.advance()
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        clock.lap("write")
        let summary = RunSummary.json(
            loaded: loaded, report: report, options: options, maxRejects: maxRejects, timings: clock.laps)
        try AtomicFile.write(summary, to: path("summary.json"))
        return Outcome(loaded: loaded, report: report, timings: clock.laps, summary: summary)
    }
}

extension AccrualJob {
    /// Writes a file atomically (temporary name, flush, rename, folder sync).
    public static func writeFile(_ bytes: [UInt8], to path: String) throws(RebateError) {
        try AtomicFile.write(bytes, to: path.contains("/") ? path : "./" + path)
    }
}
