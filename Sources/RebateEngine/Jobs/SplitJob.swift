import Dispatch

/// The `rebate split` job (SPEC section 9): cut a dataset into `N` complete datasets that can run on
/// different machines, each agreement whole in one of them.
public enum SplitJob {
    /// What one shard holds.
    public struct ShardSummary: Sendable, Hashable {
        /// `0..<count`.
        public var index: Int
        /// Accepted lines copied into it.
        public var lines: Int
        /// Partners whose lines it holds.
        public var partners: Int
        /// Agreements it computes.
        public var agreements: Int
        /// Ledger rows it was given.
        public var ledgerRows: Int
    }

    /// What a split did.
    public struct Outcome: Sendable {
        /// The shards, by index.
        public var shards: [ShardSummary]
        /// What was read, accepted and rejected.
        public var totals: IngestTotals
        /// The lines refused (also in `rejects.csv`).
        public var rejects: [TransactionReject]
        /// The split's fingerprint, also in every `shard.json`.
        public var split: String
    }

    /// Which shard each partner and agreement goes to: partners joined by an agreement together,
    /// components dealt biggest first to the shard with the fewest lines (ties: the lower index).
    /// - Parameter lines: lines (or expected lines) of each partner, by index.
    /// - Returns: the shard of each partner and of each agreement (one with no known partner: shard 0).
    public static func plan(partners: [Partner], agreements: [Agreement], lines: [Int], shards: Int)
        -> (partner: [Int], agreement: [Int])
    {
        let plan = ShardPlan(partners: partners, agreements: agreements, linesOfPartner: lines, shards: max(1, shards))
        return (plan.shardOfPartner.map(Int.init), plan.shardOfAgreement)
    }

    /// The folder name of shard `index`.
    public static func shardFolder(_ index: Int) -> String { "shard-\(index)" }

    /// Splits the dataset folder into `shards` datasets under `outputFolder`.
    ///
    /// The CSV lines are read once (from `transactions.csv` or the `transactions/` folder; a columnar
    /// store holds no line ids, so it is not used); each shard gets copies of the partners and
    /// products files, the agreements whose partners it holds, and its partners' accepted lines
    /// byte for byte, in input order, in files of the same names. Rejects go to `rejects.csv` beside
    /// the shards and totals to `split.json`.
    /// - Throws: ``RebateError``: `invalidInput` (exit 2) for bad master data, agreements or ledger;
    ///   `tooManyRejects` (exit 3; `rejects.csv` and `split.json` are written, no shard is).
    /// - Complexity: O(input bytes + partners log partners).
    // One piece: the split steps in order: read, plan, rejects, then the shards in parallel.
    public static func run(
        dataset folder: String, shards: Int, outputFolder: String, ledger ledgerPath: String? = nil,
        maxRejects: Int = 0, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> Outcome {
        guard shards >= 1 else { throw .limitExceeded("--shards must be at least 1") }
        let master = try DatasetLoader.loadMaster(folder: folder, needsCSVLines: true)
        guard let source = master.source else {
            throw .invalidInput([InputProblem(file: "transactions.csv", reason: "missing")])
        }
        let ledger = try ledgerPath.map { (p: String) throws(RebateError) in
            try LedgerFile.read(path: p, decimals: master.agreements.decimals)
        }
        var files: [FileBytes] = []
        for name in source.files { files.append(try FileBytes(path: source.path(name))) }
        var reader = TransactionCSVReader(
            partners: master.partners, products: master.products, decimals: master.agreements.decimals,
            threads: max(1, threads))
        reader.output = .records
        // Mapped files drop their pages from this process once parsed, and again as the shards are
        // written, so the input is never held whole (the page cache keeps it for the second read).
        let sourceFiles = zip(source.files, files).map { name, file in
            TransactionCSVReader.SourceFile(name: name, bytes: file.buffer, releasesPages: file.isMapped)
        }
        let out = try withExtendedLifetime(files) { () throws(RebateError) in try reader.read(sourceFiles) }

        var linesOfPartner = [Int](repeating: 0, count: master.partners.count)
        for r in out.records { linesOfPartner[Int(r.partner)] += 1 }
        let plan = ShardPlan(
            partners: master.partners, agreements: master.agreements.agreements, linesOfPartner: linesOfPartner,
            shards: shards)
        var id = Fingerprint()
        id.add(Array(master.partnersFile.buffer))
        id.add(Array(master.productsFile.buffer))
        id.add(Array(master.agreementsFile.buffer))
        id.add(Array("\(source.stamp.size) \(source.stamp.modified) \(shards)".utf8))
        if let ledgerPath { id.add(try FileBytes.contents(ledgerPath)) }
        let split = id.hex

        try AtomicFile.makeFolder(outputFolder)
        let path = { (name: String) in TransactionSource.join(outputFolder, name) }
        try AtomicFile.write(AccrualReport.rejectsCSV(out.rejects), to: path("rejects.csv"))
        var summaries = Self.summaries(plan, linesOfPartner: linesOfPartner, shards: shards)
        let shardOfAgreementID = Dictionary(
            zip(master.agreements.agreements.map(\.id), plan.shardOfAgreement), uniquingKeysWith: { a, _ in a })
        // Rows of agreements that no longer exist go to shard 0, where the close reverses them.
        let ledgerOf: [[LedgerRow]] = (0..<shards).map { k in
            (ledger ?? []).filter { (shardOfAgreementID[$0.agreementID] ?? 0) == k }
        }
        for k in 0..<shards { summaries[k].ledgerRows = ledgerOf[k].count }
        if out.rejects.count > maxRejects {
            try AtomicFile.write(
                splitJSON(
                    split: split, status: "too_many_rejects", source: source, totals: out.totals, shards: summaries,
                    decimals: master.agreements.decimals),
                to: path("split.json"))
            throw .tooManyRejects(rejected: out.rejects.count, allowed: maxRejects)
        }

        let (order, starts) = Self.order(out.records, shardOfPartner: plan.shardOfPartner, shards: shards)
        var headers: [Int] = []
        for f in sourceFiles {
            guard case .success(let h) = TransactionCSVReader.header(f) else {
                throw .invariantViolated("header read twice differs")
            }
            headers.append(h.bodyStart)
        }
        var failures = [RebateError?](repeating: nil, count: shards)
        let job = ShardWriter(
            outputFolder: outputFolder, source: source, files: sourceFiles, headers: headers, records: out.records,
            order: order, starts: starts, master: master, plan: plan, ledgerOf: ledger == nil ? nil : ledgerOf,
            split: split)
        withExtendedLifetime(files) {
            failures.withUnsafeMutableBufferPointer { f in
                // Read-only inputs (the mapped files, the record list); disjoint writes: a shard writes its own slot and folder.
                let slots = UnsafeTransfer(f)
                let shared = UnsafeTransfer(job)
                DispatchQueue.concurrentPerform(iterations: shards) { k in
                    do throws(RebateError) {
                        try shared.wrappedValue.write(shard: k)
                    } catch {
                        slots.wrappedValue[k] = error
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        try AtomicFile.write(
            splitJSON(
                split: split, status: "ok", source: source, totals: out.totals, shards: summaries,
                decimals: master.agreements.decimals),
            to: path("split.json"))
        return Outcome(shards: summaries, totals: out.totals, rejects: out.rejects, split: split)
    }

    /// Each shard's lines, in input order: a stable counting sort of the record indices by shard.
    /// - Returns: the record indices shard by shard, and where each shard's run starts.
    static func order(_ records: [TransactionCSVReader.AcceptedRecord], shardOfPartner: [Int32], shards: Int)
        -> (order: [Int], starts: [Int])
    {
        var starts = [Int](repeating: 0, count: shards + 1)
        for r in records { starts[Int(shardOfPartner[Int(r.partner)]) + 1] += 1 }
        for k in 0..<shards { starts[k + 1] += starts[k] }
        var cursor = starts
        var order = [Int](repeating: 0, count: records.count)
        for (i, r) in records.enumerated() {
            let k = Int(shardOfPartner[Int(r.partner)])
            order[cursor[k]] = i
            cursor[k] += 1
        }
        return (order, starts)
    }

    /// Lines, partners with lines and agreements of each shard.
    static func summaries(_ plan: ShardPlan, linesOfPartner: [Int], shards: Int) -> [ShardSummary] {
        var summaries = (0..<shards).map {
            ShardSummary(index: $0, lines: plan.lines[$0], partners: 0, agreements: 0, ledgerRows: 0)
        }
        for (p, s) in plan.shardOfPartner.enumerated() where linesOfPartner[p] > 0 { summaries[Int(s)].partners += 1 }
        for s in plan.shardOfAgreement { summaries[s].agreements += 1 }
        return summaries
    }

    static func splitJSON(
        split: String, status: String, source: TransactionSource, totals t: IngestTotals, shards: [ShardSummary],
        decimals: Int
    ) -> [UInt8] {
        let q = { (v: Int128) in "\"" + DecimalText.plain(v, scale: 3) + "\"" }
        let m = { (v: Int128) in "\"" + DecimalText.money(v, decimals: decimals) + "\"" }
        let most = shards.map(\.lines).max() ?? 0
        let total = shards.reduce(0) { $0 + $1.lines }
        // max / mean as a decimal with 3 digits, in integers: most * count * 1000 / total.
        let ratio = total == 0 ? "1" : DecimalText.plain(Int128(most * shards.count * 1000 / total), scale: 3)
        var lines = [
            "  \"status\": \"\(status)\",", "  \"split\": \"\(split)\",", "  \"shards\": \(shards.count),",
            "  \"read_from\": \"\(RunSummary.jsonEscaped(source.displayName))\",",
            "  \"lines_read\": \(t.linesRead),", "  \"lines_accepted\": \(t.linesAccepted),",
            "  \"lines_rejected\": \(t.linesRejected),",
            "  \"lines_reconcile\": \(t.linesRead == t.linesAccepted + t.linesRejected),",
            "  \"quantity_accepted\": \(q(t.acceptedQuantity)),", "  \"amount_accepted\": \(m(t.acceptedAmount)),",
            "  \"quantity_rejected\": \(q(t.rejectedQuantity)),", "  \"amount_rejected\": \(m(t.rejectedAmount)),",
            "  \"balance\": {\"most_lines\": \(most), \"mean_lines\": \(shards.isEmpty ? 0 : total / shards.count), \"most_over_mean\": \"\(ratio)\"},",
        ]
        lines.append(
            "  \"per_shard\": [\n"
                + shards.map {
                    "    {\"index\": \($0.index), \"lines\": \($0.lines), \"partners\": \($0.partners), \"agreements\": \($0.agreements), \"ledger_rows\": \($0.ledgerRows)}"
                }.joined(separator: ",\n") + "\n  ]")
        return Array(("{\n" + lines.joined(separator: "\n") + "\n}\n").utf8)
    }
}

/// Writes one shard's files; shared read-only by the workers of ``SplitJob/run``.
private struct ShardWriter {
    let outputFolder: String
    let source: TransactionSource
    let files: [TransactionCSVReader.SourceFile]
    let headers: [Int]
    let records: [TransactionCSVReader.AcceptedRecord]
    let order: [Int]
    let starts: [Int]
    let master: DatasetLoader.MasterData
    let plan: ShardPlan
    /// Each shard's ledger rows; `nil` without `--ledger`.
    let ledgerOf: [[LedgerRow]]?
    let split: String

    func write(shard k: Int) throws(RebateError) {
        let folder = TransactionSource.join(outputFolder, SplitJob.shardFolder(k))
        try AtomicFile.makeFolder(folder)
        AtomicFile.removeTemporaries(in: folder)
        let partners = Array(master.partnersFile.buffer)
        let products = Array(master.productsFile.buffer)
        var subset = master.agreements
        subset.agreements = zip(master.agreements.agreements, plan.shardOfAgreement).filter { $0.1 == k }.map(\.0)
        let agreements = subset.jsonBytes()
        try AtomicFile.write(partners, to: folder + "/partners.csv")
        try AtomicFile.write(products, to: folder + "/products.csv")
        try AtomicFile.write(agreements, to: folder + "/agreements.json")
        if source.isFolder { try AtomicFile.makeFolder(folder + "/" + TransactionSource.folderName) }
        let mine = order[starts[k]..<starts[k + 1]]
        var next = mine.startIndex
        for (f, file) in files.enumerated() {
            try AtomicFile.write(path: folder + "/" + file.name) { sink throws(RebateError) in
                var buffer: [UInt8] = Array(UnsafeBufferPointer(rebasing: file.bytes[0..<headers[f]]))
                if buffer.last != 10 { buffer.append(10) }
                buffer.reserveCapacity(1 << 20)
                var released = 0
                while next < mine.endIndex, records[mine[next]].file == Int32(f) {
                    let r = records[mine[next]]
                    buffer += UnsafeBufferPointer(rebasing: file.bytes[r.start..<r.end])
                    buffer.append(10)
                    if buffer.count >= 1 << 20 {
                        try sink.write(buffer)
                        buffer.removeAll(keepingCapacity: true)
                    }
                    // Records come in input order: the pages behind this one are done with (for this shard).
                    if file.releasesPages, r.start - released >= 64 << 20 {
                        FileBytes.release(file.bytes, released..<r.start)
                        released = r.start
                    }
                    next += 1
                }
                if file.releasesPages { FileBytes.release(file.bytes, 0..<file.bytes.count) }
                try sink.write(buffer)
            }
        }
        // With --ledger every shard gets a ledger.csv, empty or not, so each closes the same way.
        if let ledgerOf {
            try AtomicFile.write(
                LedgerFile.csv(ledgerOf[k], decimals: master.agreements.decimals), to: folder + "/ledger.csv")
        }
        let identity = ShardIdentity(
            split: split, index: k, count: starts.count - 1, partners: partners, products: products,
            agreements: agreements)
        try AtomicFile.write(identity.fileBytes, to: folder + "/" + ShardIdentity.fileName)
    }
}
