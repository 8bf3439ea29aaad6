import Dispatch
import Synchronization

extension TransactionCSVReader {
    /// The unescaped `line_id` bytes and raw range of the record starting at `start`.
    static func record(_ cx: Context, at start: Int) -> (id: [UInt8], end: Int) {
        var scanner = CSVScanner(bytes: cx.bytes, position: start, line: 0)
        scanner.expectedFields = cx.fieldCount
        var fields: [CSVField] = []
        let r = scanner.next(fields: &fields)!
        return (scanner.fieldBytes(fields[cx.columns[0]]), r.end)
    }

    /// Finds duplicate ids, turns them into rejects, and joins the chunks.
    /// `contexts` are the files', `chunks` every file's chunks in file order.
    // One piece: duplicates turn into rejects and leave the totals in one place, so the totals reconcile.
    static func finish(_ contexts: [Context], _ chunks: inout [Chunk], base: [Int], threads: Int, output: OutputKind)
        -> Output
    {
        let chunkCount = chunks.count
        let fileOf = chunks.map(\.file)
        let parts = chunks.map(\.columns)
        let snapshot = chunks
        let lineOf = { @Sendable (ref: UInt64) -> Int in
            let c = Int(ref >> 32)
            let i = Int(ref & 0xFFFF_FFFF)
            return base[c] + Int(snapshot[c].columns.line[i])
        }
        let duplicates = findDuplicates(contexts, parts: parts, fileOf: fileOf, threads: threads)
        // Duplicates become rejects; their lines leave the columns.
        var drop = [Set<Int>](repeating: [], count: chunkCount)
        var rejects: [TransactionReject] = []
        var totals = IngestTotals()
        for d in duplicates.joined() {
            let c = Int(d.ref >> 32)
            let i = Int(d.ref & 0xFFFF_FFFF)
            drop[c].insert(i)
            let start = chunks[c].columns.recordStart[i]
            let cx = contexts[fileOf[c]]
            let (id, end) = record(cx, at: start)
            let firstFile = contexts[fileOf[Int(d.first >> 32)]].fileName
            let firstLine = lineOf(d.first)
            rejects.append(
                TransactionReject(
                    file: cx.fileName, line: lineOf(d.ref), lineID: String(decoding: id, as: UTF8.self),
                    reason: firstFile == cx.fileName
                        ? "line_id: duplicate of line \(firstLine)"
                        : "line_id: duplicate of \(firstFile) line \(firstLine)",
                    raw: Array(UnsafeBufferPointer(rebasing: cx.bytes[start..<end]))))
            let q = Quantity(milliUnits: chunks[c].columns.quantity[i])
            let a = Money(minorUnits: chunks[c].columns.amount[i])
            totals.linesAccepted -= 1
            totals.linesRejected += 1
            totals.acceptedQuantity -= q
            totals.acceptedAmount -= a
            totals.rejectedQuantity += q
            totals.rejectedAmount += a
        }
        for c in 0..<chunkCount {
            let t = chunks[c].totals
            totals.linesRead += t.linesRead
            totals.linesAccepted += t.linesAccepted
            totals.linesRejected += t.linesRejected
            totals.acceptedQuantity += t.acceptedQuantity
            totals.acceptedAmount += t.acceptedAmount
            totals.rejectedQuantity += t.rejectedQuantity
            totals.rejectedAmount += t.rejectedAmount
            totals.rejectedUnreadable += t.rejectedUnreadable
            totals.addForeign(t.foreign)
            for var r in chunks[c].rejects {
                r.line += base[c]
                rejects.append(r)
            }
        }
        // In file order (the files' order given), then line order.
        let fileRank = Dictionary(contexts.enumerated().map { ($1.fileName, $0) }, uniquingKeysWith: { a, _ in a })
        rejects.sort { (fileRank[$0.file] ?? 0, $0.line) < (fileRank[$1.file] ?? 0, $1.line) }
        var records: [AcceptedRecord] = []
        if output != .columns {
            records.reserveCapacity(totals.linesAccepted)
            for c in 0..<chunkCount {
                let part = chunks[c].columns
                // The parser kept each line's id hash, in bucket order: put them back in line order.
                var hashOf = [UInt64](repeating: 0, count: part.count)
                for k in 0..<part.count { hashOf[Int(part.bucketOrder[k])] = part.idHash[k] }
                for i in 0..<part.count where drop[c].isEmpty || !drop[c].contains(i) {
                    let start = part.recordStart[i]
                    records.append(
                        AcceptedRecord(
                            file: Int32(fileOf[c]), partner: part.partner[i], start: start, end: start,
                            line: Int32(base[c] + Int(part.line[i])), idHash: hashOf[i]))
                }
            }
        }
        // The ids have served: free them (and hand the memory back) before the join.
        for c in 0..<chunkCount { chunks[c].columns.releaseIDs() }
        let columns = groupedByPartner(
            chunks.map(\.columns), dropping: drop, partners: contexts.first?.partnerCount ?? 0, threads: threads)
        return Output(columns: columns, rejects: rejects, totals: totals, records: records)
    }

    /// Every accepted line whose id an earlier accepted line has (in file order, files in order),
    /// with a reference to that first line: `chunk << 32 | index`.
    ///
    /// Each chunk bucketed its ids by hash as it finished parsing; a bucket is checked on its own,
    /// reading its run of every chunk in chunk order (so file order), with one reusable table a worker.
    // One piece: the per-worker table is reused across buckets inside the parallel loop.
    static func findDuplicates(_ contexts: [Context], parts: [ChunkColumns], fileOf: [Int], threads: Int)
        -> [[(ref: UInt64, first: UInt64)]]
    {
        let buckets = ChunkColumns.idBuckets
        var largest = 0
        for b in 0..<buckets { largest = max(largest, parts.reduce(0) { $0 + $1.bucketCount(b) }) }
        var size = 4
        while size < largest * 2 { size <<= 1 }
        let tableSize = size
        var duplicates = [[(ref: UInt64, first: UInt64)]](repeating: [], count: buckets)
        // Read-only: the file bytes are not written while the buckets are checked.
        let shared = UnsafeTransfer(contexts)
        duplicates.withUnsafeMutableBufferPointer { d in
            // Disjoint writes: a bucket, claimed once through the atomic counter, writes only its own slot.
            let out = UnsafeTransfer(d)
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, buckets))) { _ in
                let contexts = shared.wrappedValue
                let empty = UInt64.max
                var tableHash = [UInt64](repeating: 0, count: tableSize)
                var tableRef = [UInt64](repeating: empty, count: tableSize)
                while true {
                    let b = next.add(1, ordering: .relaxed).oldValue
                    if b >= buckets { break }
                    let count = parts.reduce(0) { $0 + $1.bucketCount(b) }
                    guard count > 1 else { continue }
                    var used = 4
                    while used < count * 2 { used <<= 1 }
                    let mask = used - 1
                    var found: [(ref: UInt64, first: UInt64)] = []
                    for (c, part) in parts.enumerated() {
                        for k in part.bucket(b) {
                            let h = part.idHash[k]
                            let i = Int(part.bucketOrder[k])
                            let ref = UInt64(c) << 32 | UInt64(i)
                            var s = Int(truncatingIfNeeded: h >> 8) & mask
                            var duplicateOf: UInt64?
                            while tableRef[s] != empty {
                                if tableHash[s] == h {
                                    let other = tableRef[s]
                                    let oc = Int(other >> 32)
                                    let o = parts[oc].recordStart[Int(other & 0xFFFF_FFFF)]
                                    let id = record(contexts[fileOf[c]], at: part.recordStart[i]).id
                                    if id == record(contexts[fileOf[oc]], at: o).id {
                                        duplicateOf = other
                                        break
                                    }
                                }
                                s = (s + 1) & mask
                            }
                            if let first = duplicateOf {
                                found.append((ref, first))
                            } else {
                                tableHash[s] = h
                                tableRef[s] = ref
                            }
                        }
                    }
                    for k in 0..<used { tableRef[k] = empty }
                    out.wrappedValue[b] = found
                }
            }
        }
        return duplicates
    }
}

extension TransactionCSVReader {
    /// Joins the chunks into one set of columns grouped by partner (file order within a partner),
    /// the order the engine walks; duplicates left out.
    static func groupedByPartner(_ parts: [ChunkColumns], dropping drop: [Set<Int>], partners: Int, threads: Int)
        -> TransactionColumns
    {
        let runs = zip(parts, drop).map { part, skip in
            LineRun(columns: part.columns, skip: skip)
        }
        return withExtendedLifetime(parts) {
            var (columns, starts) = PartnerGrouping.group(runs, partners: partners, threads: threads)
            columns.partnerStarts = starts
            return columns
        }
    }
}
