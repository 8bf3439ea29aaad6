/// The columnar store of a `transactions/` folder: one segment a file, so that `rebate import`
/// after a new day's or month's file parses that file only.
///
/// `DATASET/transactions.rbc.d/` holds, for each file `NAME` of the folder, `NAME.rbc` (its lines as
/// read alone, in the columnar format of docs/columnar-format.md, stamped with that file's size
/// and time) and `NAME.ids` (the hash, place and line of each accepted `line_id`, sorted by hash),
/// and a `manifest` listing the files in order with the lines of each that are duplicates of an
/// earlier file's (SPEC section 1 reads the folder as one file). A new or changed file is parsed
/// and checked against the earlier files' id indexes (binary search: time in proportion to the
/// new file); the files after it are checked again, without parsing. Loading maps every segment
/// and joins them, leaving out the duplicates: the same lines, rejects and totals as reading the
/// CSV files.
enum ColumnarStore {
    static let folderName = "transactions.rbc.d"
    static let manifestName = "manifest"

    /// A line of a later file whose `line_id` an earlier file's accepted line has.
    struct Drop: Hashable {
        /// Its position in its segment's (partner-grouped) columns.
        var position: Int
        var line: Int
        var lineID: String
        var firstFile: String
        var firstLine: Int
        var raw: [UInt8]
        var quantity: Int64
        var amount: Int64
    }

    /// One file of the folder, as the manifest records it.
    struct Entry {
        var name: String
        var size: UInt64
        var modified: Int64
        var drops: [Drop]
    }

    /// What an import did: which files were parsed, which were reused as they were.
    struct UpdateReport {
        var parsed: [String] = []
        var reused: [String] = []
        var rechecked: [String] = []
    }

    static func storePath(_ dataset: String) -> String { TransactionSource.join(dataset, folderName) }

    /// Whether the dataset has a store for its folder.
    static func exists(_ dataset: String) -> Bool {
        FileBytes.exists(TransactionSource.join(storePath(dataset), manifestName))
    }
}

extension ColumnarStore {
    /// Brings the store up to date with the folder: parses only new or changed files.
    /// - Complexity: O(lines of the new or changed files × log lines) plus the checks of the files after them.
    static func update(
        dataset folder: String, master: DatasetLoader.MasterData, source: TransactionSource, threads: Int
    ) throws(RebateError) -> UpdateReport {
        let store = storePath(folder)
        // The store is committed whole: segments and manifest go to a staging folder (kept segments as
        // hard links) that replaces the store in one step, so a failed import leaves the previous store.
        let output = try OutputFolder(store, carryOver: false)
        let decimals = master.agreements.decimals
        let fingerprint = ColumnarFile.fingerprint(
            partners: master.partners, products: master.products, decimals: decimals, rates: master.rates)
        let old = (try? readManifest(folder, fingerprint: fingerprint)) ?? [:]
        var report = UpdateReport()
        var entries: [Entry] = []
        var earlier: [SegmentIndex] = []
        // Once a file was parsed again (or one before it went), every later file's duplicates are checked again.
        var recheck = old.keys.contains { name in !source.files.contains(TransactionSource.folderName + "/" + name) }
        for path in source.files {
            let name = String(path.dropFirst(TransactionSource.folderName.count + 1))
            let stamp = ColumnarFile.sourceStamp(source.path(path)) ?? (0, 0)
            let segment = output.path(name + ".rbc")
            let ids = output.path(name + ".ids")
            let keptSegment = TransactionSource.join(store, name + ".rbc")
            let keptIDs = TransactionSource.join(store, name + ".ids")
            var entry: Entry
            if let kept = old[name], kept.size == stamp.size, kept.modified == stamp.modified,
                FileBytes.exists(keptSegment), FileBytes.exists(keptIDs)
            {
                try AtomicFile.linkTree(keptSegment, to: segment)
                try AtomicFile.linkTree(keptIDs, to: ids)
                entry = kept
                if recheck { report.rechecked.append(name) } else { report.reused.append(name) }
            } else {
                try importFile(
                    source.path(path), named: path, master: master, segment: segment, ids: ids,
                    stamp: stamp, threads: threads)
                entry = Entry(name: name, size: stamp.size, modified: stamp.modified, drops: [])
                report.parsed.append(name)
                recheck = true
            }
            let index = try SegmentIndex(csv: source.path(path), name: path, ids: ids, segment: segment)
            if recheck {
                entry.drops = try index.duplicates(of: earlier)
            }
            index.dropped = Set(entry.drops.map(\.position))
            earlier.append(index)
            entries.append(entry)
        }
        // Segments of files that are gone are simply not carried into the new store.
        try writeManifest(entries, to: output.path(manifestName), fingerprint: fingerprint)
        try output.commit()
        return report
    }

    /// Parses one file alone and writes its segment and id index.
    static func importFile(
        _ path: String, named name: String, master: DatasetLoader.MasterData, segment: String, ids: String,
        stamp: (size: UInt64, modified: Int64), threads: Int
    ) throws(RebateError) {
        let file = try FileBytes(path: path)
        var reader = TransactionCSVReader(
            partners: master.partners, products: master.products, decimals: master.agreements.decimals,
            threads: max(1, threads))
        reader.currencies(master.agreements, master.rates)
        reader.output = .both
        let out = try withExtendedLifetime(file) { () throws(RebateError) in
            try reader.read([TransactionCSVReader.SourceFile(name: name, bytes: file.buffer)])
        }
        var dataset = Dataset(
            partners: master.partners, products: master.products, agreements: master.agreements,
            transactions: out.columns)
        dataset.rates = master.rates
        let loaded = LoadedDataset(dataset: dataset, rejects: out.rejects, totals: out.totals, transactionsFile: name)
        try ColumnarFile.write(
            loaded, to: segment, sourceSize: stamp.size, sourceModified: stamp.modified, threads: threads)
        // Each accepted line's place in the partner-grouped columns: its partner's start, then input order.
        var cursor = [Int](repeating: 0, count: master.partners.count + 1)
        for r in out.records { cursor[Int(r.partner) + 1] += 1 }
        for p in 0..<master.partners.count { cursor[p + 1] += cursor[p] }
        var entries: [SegmentIndex.IDEntry] = []
        entries.reserveCapacity(out.records.count)
        for r in out.records {
            entries.append(
                SegmentIndex.IDEntry(
                    hash: r.idHash, start: UInt64(r.start), line: UInt32(r.line),
                    position: UInt32(cursor[Int(r.partner)])))
            cursor[Int(r.partner)] += 1
        }
        try SegmentIndex.write(RadixSort.byHash(entries), to: ids)
    }
}

extension ColumnarStore {
    /// Reads the store as the lines of the folder: every segment mapped and checked, kept as segments
    /// (``LineSegments``: the engine reads them in place) without the duplicates of earlier files.
    /// - Throws: ``RebateError/invalidInput(_:)`` when the store does not match the folder (stale).
    static func load(
        dataset folder: String, partners: [Partner], products: [Product], decimals: Int, rates: ExchangeRates,
        source: TransactionSource, threads: Int
    ) throws(RebateError) -> (LineSegments, [TransactionReject], IngestTotals) {
        let store = storePath(folder)
        func stale(_ why: String) -> RebateError {
            .invalidInput([
                InputProblem(
                    file: folderName, reason: "is stale: \(why); run `rebate import` again, or delete \(folderName)")
            ])
        }
        let fingerprint = ColumnarFile.fingerprint(
            partners: partners, products: products, decimals: decimals, rates: rates)
        guard let manifest = try? readManifest(folder, fingerprint: fingerprint) else {
            throw stale("its manifest is unreadable or was imported with other master data")
        }
        let names = source.files.map { String($0.dropFirst(TransactionSource.folderName.count + 1)) }
        guard Set(manifest.keys) == Set(names) else { throw stale("files were added to or removed from transactions/") }
        var parts: [TransactionColumns] = []
        var drops: [[Int]] = []
        var rejects: [TransactionReject] = []
        var totals = IngestTotals()
        for (path, name) in zip(source.files, names) {
            let entry = manifest[name]!
            let (columns, segmentRejects, t) = try ColumnarFile.read(
                path: TransactionSource.join(store, name + ".rbc"), partners: partners, products: products,
                decimals: decimals, rates: rates, source: ColumnarFile.sourceStamp(source.path(path)), threads: threads)
            guard entry.drops.allSatisfy({ $0.position < columns.count }) else {
                throw stale("the manifest does not match \(name)")
            }
            rejects += segmentRejects
            totals.add(t)
            for d in entry.drops {
                rejects.append(
                    TransactionReject(
                        file: path, line: d.line, lineID: d.lineID,
                        reason: "line_id: duplicate of \(d.firstFile) line \(d.firstLine)", raw: d.raw))
                totals.move(quantity: d.quantity, amount: d.amount)
            }
            if columns.count > 0 {
                parts.append(columns)
                drops.append(entry.drops.map(\.position))
            }
        }
        rejects.sortInFileOrder(source.files)
        let bounds = TransactionColumns.LineBounds(
            partners: partners.count, products: products.count, decimals: decimals, currencies: rates.currencies.count)
        let segments = LineSegments(parts: parts, drops: drops, partnerCount: partners.count, checkedFor: bounds)
        return (segments, rejects, totals)
    }
}

extension IngestTotals {
    /// Adds another ingestion's totals.
    mutating func add(_ t: IngestTotals) {
        linesRead += t.linesRead
        linesAccepted += t.linesAccepted
        linesRejected += t.linesRejected
        acceptedQuantity += t.acceptedQuantity
        acceptedAmount += t.acceptedAmount
        rejectedQuantity += t.rejectedQuantity
        rejectedAmount += t.rejectedAmount
        rejectedUnreadable += t.rejectedUnreadable
        addForeign(t.foreign)
    }

    /// Moves one accepted line to the rejected side (a duplicate found later).
    mutating func move(quantity: Int64, amount: Int64) {
        linesAccepted -= 1
        linesRejected += 1
        acceptedQuantity -= Quantity(milliUnits: quantity)
        acceptedAmount -= Money(minorUnits: amount)
        rejectedQuantity += Quantity(milliUnits: quantity)
        rejectedAmount += Money(minorUnits: amount)
    }
}

extension ColumnarStore {
    /// The manifest's entries by file name; throws when it is unreadable or of other master data.
    static func readManifest(_ dataset: String, fingerprint: UInt64) throws -> [String: Entry] {
        let bytes = try FileBytes.contents(TransactionSource.join(storePath(dataset), manifestName))
        let root = try JSONParser.parse(bytes)
        func int(_ v: JSONValue?) throws -> Int64 {
            guard case .number(let text)? = v, let n = Int64(text) else {
                throw RebateError.invariantViolated("manifest")
            }
            return n
        }
        func text(_ v: JSONValue?) throws -> String {
            guard case .string(let s)? = v else { throw RebateError.invariantViolated("manifest") }
            return s
        }
        guard try text(root["fingerprint"]) == String(fingerprint, radix: 16), case .array(let files)? = root["files"]
        else { throw RebateError.invariantViolated("manifest of other master data") }
        var out: [String: Entry] = [:]
        for f in files {
            var entry = Entry(
                name: try text(f["name"]), size: UInt64(try int(f["size"])), modified: try int(f["modified"]), drops: []
            )
            if case .array(let drops)? = f["drops"] {
                for d in drops {
                    entry.drops.append(
                        Drop(
                            position: Int(try int(d["position"])), line: Int(try int(d["line"])),
                            lineID: try text(d["line_id"]), firstFile: try text(d["first_file"]),
                            firstLine: Int(try int(d["first_line"])), raw: Array(try text(d["raw"]).utf8),
                            quantity: try int(d["quantity"]), amount: try int(d["amount"])))
                }
            }
            out[entry.name] = entry
        }
        return out
    }

    static func writeManifest(_ entries: [Entry], to path: String, fingerprint: UInt64) throws(RebateError) {
        let q = { (s: String) in JSONText.string(s) }
        let files = entries.map { e in
            let drops = e.drops.map { d in
                "{\"position\": \(d.position), \"line\": \(d.line), \"line_id\": \(q(d.lineID)), "
                    + "\"first_file\": \(q(d.firstFile)), \"first_line\": \(d.firstLine), "
                    + "\"raw\": \(q(String(decoding: d.raw, as: UTF8.self))), \"quantity\": \(d.quantity), \"amount\": \(d.amount)}"
            }
            return "    {\"name\": \(q(e.name)), \"size\": \(e.size), \"modified\": \(e.modified), \"drops\": ["
                + drops.joined(separator: ", ") + "]}"
        }
        let text =
            "{\n  \"version\": 1,\n  \"fingerprint\": \"\(String(fingerprint, radix: 16))\",\n  \"files\": [\n"
            + files.joined(separator: ",\n") + "\n  ]\n}\n"
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}
