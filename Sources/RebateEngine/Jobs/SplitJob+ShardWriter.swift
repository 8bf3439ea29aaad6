/// Writes the shards' folders: master data, agreements, ledger and identity, then the lines,
/// routed from the split's record list to each shard's file in one pass over the input.
struct ShardWriter {
    let outputFolder: String
    let source: TransactionSource
    let master: DatasetLoader.MasterData
    let plan: ShardPlan
    /// Each shard's ledger rows; `nil` without `--ledger`.
    let ledgerOf: [[LedgerRow]]?
    let split: String
    let shards: Int

    func folder(_ k: Int) -> String { TransactionSource.join(outputFolder, SplitJob.shardFolder(k)) }

    // One piece: the folders, then one routing pass per input file, then the identities last.
    func write(_ files: [TransactionCSVReader.SourceFile], spill: SplitSpill) throws(RebateError) {
        let partners = Array(master.partnersFile.buffer)
        let products = Array(master.productsFile.buffer)
        var agreementBytes: [[UInt8]] = []
        for k in 0..<shards {
            let folder = folder(k)
            try AtomicFile.makeFolder(folder)
            AtomicFile.removeTemporaries(in: folder)
            var subset = master.agreements
            subset.agreements = zip(master.agreements.agreements, plan.shardOfAgreement).filter { $0.1 == k }.map(\.0)
            agreementBytes.append(subset.jsonBytes())
            try AtomicFile.write(partners, to: folder + "/partners.csv")
            try AtomicFile.write(products, to: folder + "/products.csv")
            try AtomicFile.write(agreementBytes[k], to: folder + "/agreements.json")
            // SPEC section 11: every shard gets the same rates.csv.
            if let rates = master.ratesFile { try AtomicFile.write(rates, to: folder + "/" + RatesFile.fileName) }
            if source.isFolder { try AtomicFile.makeFolder(folder + "/" + TransactionSource.folderName) }
            // With --ledger every shard gets a ledger.csv, empty or not, so each closes the same way.
            if let ledgerOf {
                try AtomicFile.write(
                    LedgerFile.csv(ledgerOf[k], decimals: master.agreements.decimals), to: folder + "/ledger.csv")
            }
        }
        var next = 0
        let block = 1 << 20
        // The duplicates' positions, ascending, passed in step with the records.
        let dropped = spill.dropped.sorted()
        var nextDropped = 0
        for (f, file) in files.enumerated() {
            guard case .success(let header) = TransactionCSVReader.header(file) else {
                throw .invariantViolated("a header read twice differs")
            }
            var outputs: [ShardFile] = []
            for k in 0..<shards { outputs.append(try ShardFile(path: folder(k) + "/" + file.name)) }
            var head = Array(UnsafeBufferPointer(rebasing: file.bytes[0..<header.bodyStart]))
            if head.last != 10 { head.append(10) }
            for o in outputs { try o.appendHeader(head) }
            var released = 0
            // Records are in input order, so this file's are the next ones in the list.
            while next < spill.count {
                let records = try spill.records.read(SplitSpill.Record.self, next..<min(spill.count, next + block))
                var taken = 0
                for r in records {
                    if r.file != Int32(f) { break }
                    taken += 1
                    if nextDropped < dropped.count, dropped[nextDropped] == next + taken - 1 {
                        nextDropped += 1
                        continue
                    }
                    let start = Int(r.start)
                    let k = Int(plan.shardOfPartner[Int(r.partner)])
                    try outputs[k].append(file.bytes[start..<start + Int(r.length)])
                    // The pages behind this record are done with: drop them from this process.
                    if file.releasesPages, start - released >= 64 << 20 {
                        FileBytes.release(file.bytes, released..<start)
                        released = start
                    }
                }
                next += taken
                if taken < records.count { break }
            }
            for o in outputs { try o.commit() }
            if file.releasesPages { FileBytes.release(file.bytes, 0..<file.bytes.count) }
        }
        for k in 0..<shards {
            let identity = ShardIdentity(
                split: split, index: k, count: shards, partners: partners, products: products,
                agreements: agreementBytes[k])
            try AtomicFile.write(identity.fileBytes, to: folder(k) + "/" + ShardIdentity.fileName)
        }
    }
}

/// One shard's copy of an input file: records appended through a buffer to an
/// ``AtomicFile/Pending`` file, committed once the file's records are all in.
final class ShardFile {
    private let file: AtomicFile.Pending
    private var buffer: [UInt8] = []

    init(path: String) throws(RebateError) {
        file = try AtomicFile.Pending(path: path)
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends a record's bytes and a line break.
    func append(_ bytes: some Collection<UInt8>) throws(RebateError) {
        buffer.append(contentsOf: bytes)
        buffer.append(10)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends bytes as they are (the header, which carries its own line break).
    func appendHeader(_ bytes: [UInt8]) throws(RebateError) {
        buffer.append(contentsOf: bytes)
    }

    private func flush() throws(RebateError) {
        try file.sink.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left, flushes to disk and renames into place.
    func commit() throws(RebateError) {
        try flush()
        try file.commit()
    }
}
