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
    ///
    /// Memory is bounded: the input is parsed a window at a time, and what the split must remember
    /// of every line (where it is, its partner, its id hash) goes to temporary files in
    /// `outputFolder`, 40 bytes a line, removed at the end. Duplicate ids are then found one hash
    /// bucket at a time, and the shards written from the list of records.
    /// - Throws: ``RebateError``: `invalidInput` (exit 2) for bad master data, agreements or ledger;
    ///   `tooManyRejects` (exit 3; `rejects.csv` and `split.json` are written, no shard is).
    /// - Complexity: O(input bytes + partners log partners); memory O(window + partners + buckets).
    public static func run(
        dataset folder: String, shards: Int, outputFolder: String, ledger ledgerPath: String? = nil,
        maxRejects: Int = 0, threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> Outcome {
        try perform(
            dataset: folder, shards: shards, outputFolder: outputFolder, ledger: ledgerPath, maxRejects: maxRejects,
            threads: threads)
    }

    /// ``run(dataset:shards:outputFolder:ledger:maxRejects:threads:)`` with its window and chunk sizes
    /// (small ones let tests cross many windows with a small input).
    /// - Parameter windowBytes: how much input one window parses (memory is about 80 bytes a line of it).
    // One piece: the split steps in order: read, duplicates, plan, rejects, then the shards.
    static func perform(
        dataset folder: String, shards: Int, outputFolder: String, ledger ledgerPath: String?, maxRejects: Int,
        threads: Int, windowBytes: Int = 256 << 20, chunkBytes: Int? = nil
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
        reader.currencies(master.agreements, master.rates)
        if let chunkBytes { reader.chunkBytes = chunkBytes }
        // Mapped files drop their pages from this process once parsed, and again as the shards are
        // written, so the input is never held whole (the page cache keeps it for the second read).
        let sourceFiles = zip(source.files, files).map { name, file in
            TransactionCSVReader.SourceFile(name: name, bytes: file.buffer, releasesPages: file.isMapped)
        }
        // Everything goes to a staging folder that is swapped in whole at the end (or not at all).
        let output = try OutputFolder(outputFolder)
        let spill = try SplitSpill(
            folder: output.staging, inputBytes: files.reduce(0) { $0 + $1.buffer.count })
        var linesOfPartner = [Int](repeating: 0, count: master.partners.count)
        var totals = IngestTotals()
        var rejects: [TransactionReject] = []
        try withExtendedLifetime(files) { () throws(RebateError) in
            try reader.stream(sourceFiles, windowBytes: windowBytes) { window throws(RebateError) in
                for r in window.records {
                    linesOfPartner[Int(r.partner)] += 1
                    try spill.add(r)
                }
                totals.add(window.totals)
                rejects += window.rejects
            }
            for d in try spill.duplicates(sourceFiles, decimals: master.agreements.decimals, threads: threads) {
                linesOfPartner[Int(d.partner)] -= 1
                totals.move(quantity: d.quantity, amount: d.amount)
                rejects.append(d.reject)
            }
        }
        // In file order (the files' order given), then line order, as a whole run writes them.
        rejects.sortInFileOrder(source.files)

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

        let path = { (name: String) in output.path(name) }
        try AtomicFile.write(AccrualReport.rejectsCSV(rejects), to: path("rejects.csv"))
        var summaries = Self.summaries(plan, linesOfPartner: linesOfPartner, shards: shards)
        let shardOfAgreementID = Dictionary(
            zip(master.agreements.agreements.map(\.id), plan.shardOfAgreement), uniquingKeysWith: { a, _ in a })
        // Rows of agreements that no longer exist go to shard 0, where the close reverses them.
        let ledgerOf: [[LedgerRow]] = (0..<shards).map { k in
            (ledger ?? []).filter { (shardOfAgreementID[$0.agreementID] ?? 0) == k }
        }
        for k in 0..<shards { summaries[k].ledgerRows = ledgerOf[k].count }
        if rejects.count > maxRejects {
            try AtomicFile.write(
                splitJSON(
                    split: split, status: "too_many_rejects", source: source, totals: totals, shards: summaries,
                    decimals: master.agreements.decimals),
                to: path("split.json"))
            try output.commit()
            throw .tooManyRejects(rejected: rejects.count, allowed: maxRejects)
        }
        let writer = ShardWriter(
            outputFolder: output.staging, source: source, master: master, plan: plan,
            ledgerOf: ledger == nil ? nil : ledgerOf, split: split, shards: shards)
        try withExtendedLifetime(files) { () throws(RebateError) in
            try writer.write(sourceFiles, spill: spill)
        }
        try AtomicFile.write(
            splitJSON(
                split: split, status: "ok", source: source, totals: totals, shards: summaries,
                decimals: master.agreements.decimals),
            to: path("split.json"))
        try output.commit()
        return Outcome(shards: summaries, totals: totals, rejects: rejects, split: split)
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
        let q = { (v: Quantity) in "\"" + v.description + "\"" }
        let m = { (v: Money) in "\"" + v.text(decimals: decimals) + "\"" }
        let most = shards.map(\.lines).max() ?? 0
        let total = shards.reduce(0) { $0 + $1.lines }
        // max / mean as a decimal with 3 digits, in integers: most * count * 1000 / total.
        let ratio = total == 0 ? "1" : DecimalText.plain(Int128(most * shards.count * 1000 / total), scale: 3)
        var lines = [
            "  \"status\": \"\(status)\",", "  \"split\": \"\(split)\",", "  \"shards\": \(shards.count),",
            "  \"read_from\": \"\(JSONText.escaped(source.displayName))\",",
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
