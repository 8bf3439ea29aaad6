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
    static func finish(_ cx: Context, _ chunks: inout [Chunk], base: [Int], threads: Int) -> Output {
        let chunkCount = chunks.count
        // Bucket the accepted ids by hash, keeping file order inside each bucket.
        let bucketBits = 10, buckets = 1 << bucketBits
        var counts = [Int](repeating: 0, count: chunkCount * buckets)
        for c in 0..<chunkCount { for h in chunks[c].columns.idHashes { counts[c * buckets + Int(h >> UInt64(64 - bucketBits))] += 1 } }
        var bucketStart = [Int](repeating: 0, count: buckets + 1)
        var cursor = [Int](repeating: 0, count: chunkCount * buckets)
        var total = 0
        for b in 0..<buckets {
            bucketStart[b] = total
            for c in 0..<chunkCount {
                cursor[c * buckets + b] = total
                total += counts[c * buckets + b]
            }
        }
        bucketStart[buckets] = total
        let bucketBounds = bucketStart
        // Scattered chunk by chunk in parallel: each (chunk, bucket) pair owns its own run of slots.
        var entryHash = [UInt64](unsafeUninitializedCapacity: total) { b, k in adviseHugePages(b.baseAddress, total * 8); k = total }
        var entryRef = [UInt64](unsafeUninitializedCapacity: total) { b, k in adviseHugePages(b.baseAddress, total * 8); k = total }   // chunk << 32 | index
        let parts = chunks.map(\.columns)
        entryHash.withUnsafeMutableBufferPointer { hashes in
        entryRef.withUnsafeMutableBufferPointer { refs in
        cursor.withUnsafeMutableBufferPointer { cursor in
            let (h, r, k) = (SharedSlots(base: hashes), SharedSlots(base: refs), SharedSlots(base: cursor))
            DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
                for (i, hash) in parts[c].idHashes.enumerated() {
                    let slot = c * buckets + Int(hash >> UInt64(64 - bucketBits))
                    let j = k.base[slot]
                    k.base[slot] = j + 1
                    h.base[j] = hash
                    r.base[j] = UInt64(c) << 32 | UInt64(i)
                }
            }
        }
        }
        }
        let snapshot = chunks
        let lineOf = { @Sendable (ref: UInt64) -> Int in
            let c = Int(ref >> 32), i = Int(ref & 0xFFFF_FFFF)
            return base[c] + Int(snapshot[c].columns.line[i])
        }
        // Each bucket on its own: an open-addressing table of first occurrences.
        var duplicates = [[(ref: UInt64, firstLine: Int)]](repeating: [], count: buckets)
        duplicates.withUnsafeMutableBufferPointer { d in
        entryHash.withUnsafeBufferPointer { hashes in
        entryRef.withUnsafeBufferPointer { refs in
            let out = SharedSlots(base: d)
            let view = BucketView(hashes: hashes, refs: refs)
            // One reusable table a worker, sized for the largest bucket; buckets are claimed in turn.
            let largest = (0..<buckets).map { bucketBounds[$0 + 1] - bucketBounds[$0] }.max() ?? 0
            var size = 4
            while size < largest * 2 { size <<= 1 }
            let tableSize = size
            let next = Atomic<Int>(0)
            let workers = max(1, min(threads, buckets))
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var table = [Int32](repeating: -1, count: tableSize)
                while true {
                let b = next.add(1, ordering: .relaxed).oldValue
                if b >= buckets { break }
                let lo = bucketBounds[b], hi = bucketBounds[b + 1]
                guard hi - lo > 1 else { continue }
                var used = 4
                while used < (hi - lo) * 2 { used <<= 1 }
                let mask = used - 1
                var found: [(UInt64, Int)] = []
                for e in lo..<hi {
                    let h = view.hashes[e]
                    var s = Int(truncatingIfNeeded: h >> 8) & mask
                    var duplicateOf: Int?
                    while table[s] >= 0 {
                        let other = lo + Int(table[s])
                        if view.hashes[other] == h {
                            let a = snapshot[Int(view.refs[e] >> 32)].columns.recordStart[Int(view.refs[e] & 0xFFFF_FFFF)]
                            let o = snapshot[Int(view.refs[other] >> 32)].columns.recordStart[Int(view.refs[other] & 0xFFFF_FFFF)]
                            if record(cx, at: a).id == record(cx, at: o).id { duplicateOf = other; break }
                        }
                        s = (s + 1) & mask
                    }
                    if let first = duplicateOf {
                        found.append((view.refs[e], lineOf(view.refs[first])))
                    } else {
                        table[s] = Int32(e - lo)
                    }
                }
                for i in 0..<used { table[i] = -1 }
                out.base[b] = found.map { (ref: $0.0, firstLine: $0.1) }
                }
            }
        }
        }
        }
        // Duplicates become rejects; their lines leave the columns.
        var drop = [Set<Int>](repeating: [], count: chunkCount)
        var rejects: [TransactionReject] = []
        var totals = IngestTotals()
        for d in duplicates.joined() {
            let c = Int(d.ref >> 32), i = Int(d.ref & 0xFFFF_FFFF)
            drop[c].insert(i)
            let start = chunks[c].columns.recordStart[i]
            let (id, end) = record(cx, at: start)
            rejects.append(TransactionReject(file: cx.fileName, line: lineOf(d.ref), lineID: String(decoding: id, as: UTF8.self),
                                             reason: "line_id: duplicate of line \(d.firstLine)",
                                             raw: Array(UnsafeBufferPointer(rebasing: cx.bytes[start..<end]))))
            let q = Int128(chunks[c].columns.quantity[i]), a = Int128(chunks[c].columns.amount[i])
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
            for var r in chunks[c].rejects {
                r.line += base[c]
                rejects.append(r)
            }
        }
        rejects.sort { $0.line < $1.line }
        // The ids have served; free them before the columns are joined.
        // The ids and buckets have served: free them (and hand the memory back) before the join.
        entryHash = []
        entryRef = []
        for c in 0..<chunkCount { chunks[c].columns.releaseIDs() }
        let columns = groupedByPartner(chunks.map(\.columns), dropping: drop, partners: cx.partnerCount, threads: threads)
        return Output(columns: columns, rejects: rejects, totals: totals)
    }
}

extension TransactionCSVReader {
    /// Joins the chunks into one set of columns grouped by partner (file order within a partner),
    /// the order the engine walks; duplicates left out.
    static func groupedByPartner(_ parts: [ChunkColumns], dropping drop: [Set<Int>], partners: Int, threads: Int) -> TransactionColumns {
        let runs = zip(parts, drop).map { part, skip in
            LineRun(partner: part.partner, product: part.product, day: part.day, quantity: part.quantity, amount: part.amount,
                    count: part.count, skip: skip)
        }
        return withExtendedLifetime(parts) { PartnerGrouping.group(runs, partners: partners, threads: threads).0 }
    }
}

/// The bucketed ids, read by the per-bucket workers. `@unchecked Sendable`: read-only in that scope.
private struct BucketView: @unchecked Sendable {
    let hashes: UnsafeBufferPointer<UInt64>
    let refs: UnsafeBufferPointer<UInt64>
}
