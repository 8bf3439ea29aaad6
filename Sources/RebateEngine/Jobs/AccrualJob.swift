import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The whole `rebate accrue` job: read a dataset folder, compute, write the outputs.
///
/// This is what the CLI runs; a nightly job can call it the same way.
public enum AccrualJob {
    /// The accrual output files (a run stopped at the reject limit leaves none of them).
    public static let accrualOutputs = [
        "accruals.csv", "settlements.csv", "statements.csv", "anomalies.csv", "report.html",
    ]

    /// What a finished run reports.
    public struct Outcome: Sendable {
        /// What was read.
        public var loaded: LoadedDataset
        /// `nil` when the run stopped at the reject limit.
        public var report: AccrualReport?
        /// The month-end close, for `rebate close`; `nil` for `rebate accrue`.
        public var close: MonthEndClose?
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
        try perform(
            dataset: folder, outputFolder: outputFolder, options: options, maxRejects: maxRejects, columnar: columnar,
            ledgerPath: nil, claimsPath: nil, closing: false)
    }

    /// Load, check, compute and write: the steps `accrue` and `close` share.
    ///
    /// Nothing is written before every input, the ledger included, has been read and checked, so
    /// bad input leaves the output folder as it was.
    /// - Parameter closing: when set, `options.asOf` is a month's last day and the close's files are written too.
    static func perform(
        dataset folder: String, outputFolder: String, options: AccrualOptions, maxRejects: Int, columnar: Bool,
        ledgerPath: String?, claimsPath: String? = nil, closing: Bool
    ) throws(RebateError) -> Outcome {
        var clock = StageClock()
        try MemoryGuard.check(dataset: folder, columnar: columnar)
        let loaded = try DatasetLoader.load(
            folder: folder, threads: options.threads, columnar: columnar, progress: options.progress)
        let ledger = try ledgerPath.map { (p: String) throws(RebateError) in
            try LedgerFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let claims = try claimsPath.map { (p: String) throws(RebateError) in
            try ClaimsFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        clock.lap("load")
        // Everything goes to a staging folder that is swapped in whole at the end (or not at all).
        let output = try OutputFolder(outputFolder)
        try AtomicFile.write(AccrualReport.rejectsCSV(loaded.rejects), to: output.path("rejects.csv"))
        if loaded.rejects.count > maxRejects {
            // SPEC section 7: no accrual outputs, but the rejects (and the summary saying why) are kept.
            clock.lap("write")
            let summary = RunSummary.json(
                loaded: loaded, report: nil, options: options, maxRejects: maxRejects, timings: clock.laps)
            try AtomicFile.write(summary, to: output.path("summary.json"))
            try output.commit()
            throw .tooManyRejects(rejected: loaded.rejects.count, allowed: maxRejects)
        }
        let computed = try AccrualEngine.run(loaded.dataset, options: options)
        clock.lap("compute")
        clock.record(computed.stageTimings, prefix: "compute")
        try computed.verifyInvariants()
        let close: MonthEndClose? =
            closing
            ? try MonthEndClose.reconcile(
                computed, agreements: loaded.dataset.agreements, ledger: ledger ?? [], claims: claims) : nil
        // The close's report: the accrual report with its over-claims among the anomalies.
        let report = close?.report ?? computed
        if closing { clock.lap("close") }
        let title = close.map { "Month-end close \($0.month.monthText)" } ?? "Rebate accruals"
        // The outputs are independent: render and write them in parallel.
        var writers: [(String, @Sendable () -> [UInt8])] = [
            ("accruals.csv", { report.accrualsCSV() }), ("settlements.csv", { report.settlementsCSV() }),
            ("statements.csv", { report.statementsCSV() }), ("anomalies.csv", { report.anomaliesCSV() }),
            ("report.html", { Array(report.html(loaded: loaded, title: title, close: close).utf8) }),
        ]
        if let close {
            writers += [
                ("journal.csv", { @Sendable in close.journalCSV() }),
                ("payments.csv", { @Sendable in close.paymentsCSV() }),
                ("ledger.csv", { @Sendable in close.ledgerCSV() }),
            ]
            if let claims = close.claims {
                writers.append(("claims.csv", { @Sendable in claims.csv(decimals: report.decimals) }))
            }
        }
        try write(writers, in: output.staging, progress: options.progress)
        clock.lap("write")
        let summary = RunSummary.json(
            loaded: loaded, report: report, close: close, ledgerFile: ledgerPath, options: options,
            maxRejects: maxRejects, timings: clock.laps)
        try AtomicFile.write(summary, to: output.path("summary.json"))
        try output.commit()
        return Outcome(loaded: loaded, report: report, close: close, timings: clock.laps, summary: summary)
    }

    /// Renders and writes each file atomically, in parallel; throws the first failure.
    static func write(_ writers: [(String, @Sendable () -> [UInt8])], in folder: String, progress: RunProgress?)
        throws(RebateError)
    {
        progress?.begin(.writing, total: writers.count)
        var failures = [RebateError?](repeating: nil, count: writers.count)
        failures.withUnsafeMutableBufferPointer { f in
            // Disjoint writes: each worker writes only its own file's slot.
            let slots = UnsafeTransfer(f)
            DispatchQueue.concurrentPerform(iterations: writers.count) { i in
                do throws(RebateError) {
                    try AtomicFile.write(writers[i].1(), to: folder + "/" + writers[i].0)
                } catch {
                    slots.wrappedValue[i] = error
                }
                progress?.advance()
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
    }
}
