/// The `rebate merge` job (SPEC section 9): the output folders of `accrue` (or `close`) run on the
/// shards of one split, merged into what one run over the whole dataset writes.
public enum MergeJob {
    /// What a merge did.
    public struct Outcome: Sendable {
        /// The shards merged.
        public var shards: Int
        /// The merged report's rows (and the close's, when the shards were closed).
        public var report: AccrualReport
        /// The merged close, when the shards' outputs are of `rebate close`.
        public var close: MonthEndClose?
    }

    /// Each CSV output, its header and how many leading columns order its rows.
    static let tables: [(name: String, header: String, key: Int)] = [
        ("accruals.csv", AccrualReport.accrualsHeader, 1), ("settlements.csv", AccrualReport.settlementsHeader, 1),
        ("statements.csv", AccrualReport.statementsHeader, 2), ("anomalies.csv", AccrualReport.anomaliesHeader, 5),
    ]
    static let closeTables: [(name: String, header: String, key: Int)] = [
        ("journal.csv", MonthEndClose.journalHeader, 6), ("payments.csv", MonthEndClose.paymentsHeader, 4),
        ("ledger.csv", LedgerFile.header, 4),
    ]

    /// One shard's `summary.json`, read.
    struct ShardRun {
        var folder: String
        var summary: JSONValue
        var shard: ShardIdentity
    }

    /// Merges `folders` (one output folder per shard, any order) into `outputFolder`.
    /// - Throws: ``RebateError/invalidInput(_:)`` (exit 2) when the folders are not the outputs of
    ///   every shard of one split run alike (a shard missing or twice, another split, another as-of
    ///   date or month, another currency, a shard whose files changed after the split, a failed
    ///   run); ``RebateError/invariantViolated(_:)`` (exit 70) when the merged totals are not the
    ///   sums of the shards'.
    // One piece: the merge steps in order: check, read, rebuild, verify, write.
    public static func run(outputs folders: [String], outputFolder: String) throws(RebateError) -> Outcome {
        var clock = StageClock()
        let runs = try check(folders)
        let first = runs[0].summary
        let decimals = Int(number(first["decimals"])) ?? 2
        let currency = string(first["currency"])
        let asOf = string(first["as_of"]).isEmpty ? nil : CivilDate(string(first["as_of"]))
        let closing = first["close"] != nil

        // Every CSV: the shards' rows, stably sorted by the leading columns (an agreement lives in one shard).
        var merged: [String: OutputTable] = [:]
        for t in tables + (closing ? closeTables : []) {
            var rows: [(fields: [String], raw: [UInt8])] = []
            for run in runs {
                rows += try OutputTable.read(path: run.folder + "/" + t.name, expected: t.header).rows
            }
            let key = t.key
            let sorted = rows.enumerated().sorted {
                let a = Array($0.element.fields.prefix(key))
                let b = Array($1.element.fields.prefix(key))
                return Bytewise.less(a, b) || (a == b && $0.offset < $1.offset)
            }.map(\.element)
            merged[t.name] = OutputTable(header: t.header, rows: sorted)
        }
        var rejects: [TransactionReject] = []
        for run in runs {
            for r in try OutputTable.read(path: run.folder + "/rejects.csv", expected: AccrualReport.rejectsHeader).rows
            {
                let f = r.fields
                guard f.count == 5, let line = Int(f[1]) else { continue }
                rejects.append(
                    TransactionReject(file: f[0], line: line, lineID: f[2], reason: f[3], raw: Array(f[4].utf8)))
            }
        }
        clock.lap("read")

        // Each shard says how its growth agreements measure growth (an agreement lives in one shard).
        var growthMeasures: [String: Growth.Measure] = [:]
        for run in runs {
            if case .object(let members)? = run.summary["growth_measures"] {
                for member in members {
                    let (id, value) = (member.key, member.value)
                    guard let measure = Growth.Measure(rawValue: string(value)) else {
                        throw .invalidInput([
                            InputProblem(
                                file: run.folder + "/summary.json", field: "growth_measures." + id,
                                reason: "\"\(string(value))\" is not percent or absolute: not an output of rebate")
                        ])
                    }
                    growthMeasures[id] = measure
                }
            }
        }
        var report = try rebuildReport(
            merged, currency: currency, decimals: decimals, asOf: asOf, growthMeasures: growthMeasures)
        report.linesAfterAsOf = runs.reduce(0) {
            $0 + (Int(number($1.summary["transactions"]?["lines_after_as_of"])) ?? 0)
        }
        let close = try closing ? rebuildClose(merged, report: report, runs: runs, asOf: asOf!) : nil
        let context = try mergedContext(runs, rejects: rejects, currency: currency, decimals: decimals)
        try verifySums(runs, report: report, close: close, decimals: decimals)
        clock.lap("merge")

        let output = try OutputFolder(outputFolder)
        let (mergedRejects, mergedReport) = (rejects, report)
        var writers: [(String, @Sendable () -> [UInt8])] = []
        for (name, table) in merged {
            writers.append(
                (name, { @Sendable in Array((table.header + "\n").utf8) + table.rows.flatMap { $0.raw + [10] } }))
        }
        writers.append(("rejects.csv", { @Sendable in AccrualReport.rejectsCSV(mergedRejects) }))
        let title = close.map { "Month-end close \($0.month.monthText)" } ?? "Rebate accruals"
        writers.append(
            (
                "report.html",
                { @Sendable in Array(mergedReport.html(context: context, title: title, close: close).utf8) }
            ))
        try AccrualJob.write(writers, in: output.staging, progress: nil)
        clock.lap("write")
        let split = runs[0].shard
        let extra = ["  \"merged\": {\"split\": \"\(split.split)\", \"shards\": \(split.count)},"]
        let summary = RunSummary.json(
            context: context, report: report, close: close, ledgerFile: nil, asOf: asOf,
            threads: Int(number(first["threads"])) ?? 1, maxRejects: Int(number(first["max_rejects"])) ?? 0,
            timings: clock.laps, extra: extra)
        try AtomicFile.write(summary, to: output.path("summary.json"))
        try output.commit()
        return Outcome(shards: runs.count, report: report, close: close)
    }

    /// Reads every folder's summary and refuses a set that is not every shard of one split, run alike.
    // One piece: every refusal is collected so the user sees them all at once.
    static func check(_ folders: [String]) throws(RebateError) -> [ShardRun] {
        guard !folders.isEmpty else {
            throw .invalidInput([InputProblem(file: "merge", reason: "no output folder given")])
        }
        var problems: [InputProblem] = []
        var runs: [ShardRun] = []
        for folder in folders {
            let path = folder + "/summary.json"
            guard FileBytes.exists(path) else {
                problems.append(
                    InputProblem(file: path, reason: "missing: not an output folder of rebate accrue or close"))
                continue
            }
            let bytes = try FileBytes.contents(path)
            guard let summary = try? JSONParser.parse(bytes) else {
                problems.append(InputProblem(file: path, reason: "not valid JSON"))
                continue
            }
            guard string(summary["status"]) == "ok" else {
                problems.append(
                    InputProblem(file: path, reason: "the run did not finish (status \(string(summary["status"])))"))
                continue
            }
            guard let shardValue = summary["shard"], let shard = ShardIdentity(shardValue) else {
                problems.append(InputProblem(file: path, reason: "not the output of a shard written by rebate split"))
                continue
            }
            if let read = shard.inputsRead, read != shard.inputs {
                problems.append(
                    InputProblem(
                        file: path,
                        reason: "shard \(shard.index)'s partners, products or agreements changed after the split"))
            }
            runs.append(ShardRun(folder: folder, summary: summary, shard: shard))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        let first = runs[0]
        func same(_ what: String, _ value: (ShardRun) -> String) {
            for run in runs.dropFirst() where value(run) != value(first) {
                problems.append(
                    InputProblem(
                        file: run.folder,
                        reason:
                            "\(what) is \(value(run).isEmpty ? "none" : value(run)), but \(value(first).isEmpty ? "none" : value(first)) in \(first.folder)"
                    ))
            }
        }
        same("the split") { $0.shard.split }
        same("the shard count") { String($0.shard.count) }
        same("the as-of date") { string($0.summary["as_of"]) }
        same("the month closed") { string($0.summary["close"]?["month"]) }
        same("the currency") {
            string($0.summary["currency"]) + " with " + number($0.summary["decimals"]) + " decimals"
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        var byIndex = [ShardRun?](repeating: nil, count: first.shard.count)
        for run in runs {
            if let other = byIndex[run.shard.index] {
                problems.append(
                    InputProblem(file: run.folder, reason: "shard \(run.shard.index) is also \(other.folder)"))
            }
            byIndex[run.shard.index] = run
        }
        let missing = byIndex.indices.filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            problems.append(
                InputProblem(
                    file: "merge",
                    reason:
                        "shard\(missing.count == 1 ? "" : "s") \(missing.map(String.init).joined(separator: ", ")) of \(first.shard.count) missing: a half set is never merged"
                ))
        }
        if !problems.isEmpty { throw .invalidInput(problems) }
        return byIndex.map { $0! }
    }

    static func string(_ v: JSONValue?) -> String {
        if case .string(let s)? = v { return s }
        return ""
    }

    static func number(_ v: JSONValue?) -> String {
        if case .number(let s)? = v { return s }
        return ""
    }
}
