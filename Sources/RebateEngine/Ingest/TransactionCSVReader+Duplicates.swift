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

    /// What ``read(_:)`` keeps of the windows it has parsed: every chunk's ids, rejects and totals,
    /// each window's lines grouped by partner, and (unless only columns are wanted) the accepted records.
    struct WindowedRead {
        var chunks: [Chunk] = []
        /// The line number each chunk starts on.
        var base: [Int] = []
        /// The segment each chunk's lines went to (-1 when its window accepted no line).
        var segmentOf: [Int] = []
        /// Each window's accepted lines (when it has any), grouped by partner.
        var segments: [TransactionColumns] = []
        /// Per chunk, when records are wanted: its accepted records in input order.
        var records: [[AcceptedRecord]] = []

        /// Groups a parsed window's lines into a segment of their own, noting each line's place in
        /// it, and gives the window's scratch back.
        mutating func add(_ window: [Chunk], base windowBase: [Int], partners: Int, threads: Int, records wanted: Bool)
        {
            if wanted {
                records += zip(window, windowBase).map { chunk, base in acceptedRecords(chunk, base: base) { $0 } }
            }
            var segment = -1
            if window.contains(where: { $0.columns.count > 0 }) {
                let runs = window.map { LineRun(columns: $0.columns.columns, destination: $0.columns.position) }
                var (columns, starts) = withExtendedLifetime(window) {
                    PartnerGrouping.group(runs, partners: partners, threads: threads)
                }
                columns.partnerStarts = starts
                segment = segments.count
                segments.append(columns)
            }
            for chunk in window { chunk.columns.releaseValues() }
            chunks += window
            base += windowBase
            segmentOf += repeatElement(segment, count: window.count)
        }
    }

    /// A chunk's accepted records in input order; `end` finds a record's end from its start.
    static func acceptedRecords(_ chunk: Chunk, base: Int, end: (Int) -> Int) -> [AcceptedRecord] {
        let part = chunk.columns
        // The parser kept each line's id hash in bucket order: put them back in line order.
        var hashOf = [UInt64](repeating: 0, count: part.count)
        for k in 0..<part.count { hashOf[Int(part.bucketOrder[k])] = part.idHash[k] }
        var records: [AcceptedRecord] = []
        records.reserveCapacity(part.count)
        for i in 0..<part.count {
            let start = part.recordStart(i)
            records.append(
                AcceptedRecord(
                    file: Int32(chunk.file), partner: part.values.partner[i], start: start, end: end(start),
                    line: Int32(base + Int(part.line[i])), idHash: hashOf[i]))
        }
        return records
    }

    /// Finds duplicate ids, turns them into rejects, and leaves them out of the windows' segments.
    // One piece: duplicates turn into rejects and leave the totals in one place, so the totals reconcile.
    static func finish(_ contexts: [Context], _ read: WindowedRead, threads: Int, bounds: TransactionColumns.LineBounds)
        -> Output
    {
        let chunks = read.chunks
        let base = read.base
        let fileOf = chunks.map(\.file)
        let parts = chunks.map(\.columns)
        let lineOf = { (ref: UInt64) -> Int in
            let c = Int(ref >> 32)
            let i = Int(ref & 0xFFFF_FFFF)
            return base[c] + Int(parts[c].line[i])
        }
        let duplicates = findDuplicates(contexts, parts: parts, fileOf: fileOf, threads: threads)
        // Duplicates become rejects; their lines leave the segments.
        var drops = [[Int]](repeating: [], count: read.segments.count)
        var dropped = [Set<Int>](repeating: [], count: chunks.count)
        var rejects: [TransactionReject] = []
        var totals = IngestTotals()
        for d in duplicates.joined() {
            let c = Int(d.ref >> 32)
            let i = Int(d.ref & 0xFFFF_FFFF)
            let segment = read.segmentOf[c]
            let position = Int(parts[c].position[i])
            drops[segment].append(position)
            dropped[c].insert(i)
            let start = parts[c].recordStart(i)
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
            totals.move(
                quantity: read.segments[segment].quantityStorage[position],
                amount: read.segments[segment].amountStorage[position])
        }
        for c in 0..<chunks.count {
            totals.add(chunks[c].totals)
            for var r in chunks[c].rejects {
                r.line += base[c]
                rejects.append(r)
            }
        }
        // In file order (the files' order given), then line order.
        let fileRank = Dictionary(contexts.enumerated().map { ($1.fileName, $0) }, uniquingKeysWith: { a, _ in a })
        rejects.sort { (fileRank[$0.file] ?? 0, $0.line) < (fileRank[$1.file] ?? 0, $1.line) }
        var records: [AcceptedRecord] = []
        if !read.records.isEmpty {
            records.reserveCapacity(totals.linesAccepted)
            for c in 0..<chunks.count {
                for (i, r) in read.records[c].enumerated() where dropped[c].isEmpty || !dropped[c].contains(i) {
                    records.append(r)
                }
            }
        }
        // The ids have served: free them (and hand the memory back).
        for part in parts { part.releaseIDs() }
        let lines = LineSegments(
            parts: read.segments, drops: drops, partnerCount: contexts.first?.partnerCount ?? 0, checkedFor: bounds)
        return Output(lines: lines, rejects: rejects, totals: totals, records: records)
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
                                    let o = parts[oc].recordStart(Int(other & 0xFFFF_FFFF))
                                    let id = record(contexts[fileOf[c]], at: part.recordStart(i)).id
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
