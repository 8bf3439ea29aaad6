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
                // The places go to the chunks' own columns: the scratch is lent to the next window.
                let parts = window.map(\.columns)
                DispatchQueue.concurrentPerform(iterations: parts.count) { parts[$0].keepPositions() }
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
        var records: [AcceptedRecord] = []
        records.reserveCapacity(part.count)
        for i in 0..<part.count {
            let start = part.recordStart(i)
            records.append(
                AcceptedRecord(
                    file: Int32(chunk.file), partner: part.values.partner[i], start: start, end: end(start),
                    line: Int32(base + Int(part.line[i])), idHash: part.lineHash[i]))
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
        let sameHash = sameHashes(parts: parts, threads: threads)
        let located = locate(
            Set(sameHash.flatMap { [$0.ref, $0.first] }), chunks: chunks, base: base, contexts: contexts,
            threads: threads)
        let duplicates = exactDuplicates(sameHash) { ref in
            record(contexts[fileOf[Int(ref >> 32)]], at: located[ref]!.start).id
        }
        // Duplicates become rejects; their lines leave the segments.
        var drops = [[Int]](repeating: [], count: read.segments.count)
        var dropped = [Set<Int>](repeating: [], count: chunks.count)
        var rejects: [TransactionReject] = []
        var totals = IngestTotals()
        for d in duplicates {
            let c = Int(d.ref >> 32)
            let here = located[d.ref]!
            let first = located[d.first]!
            let segment = read.segmentOf[c]
            let position = Int(parts[c].keptPosition[Int(d.ref & 0xFFFF_FFFF)])
            drops[segment].append(position)
            dropped[c].insert(here.index)
            let cx = contexts[fileOf[c]]
            let (id, end) = record(cx, at: here.start)
            let firstFile = contexts[fileOf[Int(d.first >> 32)]].fileName
            rejects.append(
                TransactionReject(
                    file: cx.fileName, line: here.line, lineID: String(decoding: id, as: UTF8.self),
                    reason: firstFile == cx.fileName
                        ? "line_id: duplicate of line \(first.line)"
                        : "line_id: duplicate of \(firstFile) line \(first.line)",
                    raw: Array(UnsafeBufferPointer(rebasing: cx.bytes[here.start..<end]))))
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
        rejects.sortInFileOrder(contexts.map(\.fileName))
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

    /// Every accepted line whose id hash an earlier accepted line has (in file order, files in order),
    /// with the first line of that hash: each as `chunk << 32 | k`, k its place in its chunk's bucket order.
    ///
    /// Each chunk bucketed its hashes as it finished parsing; a bucket is checked on its own,
    /// reading its run of every chunk in chunk order (so file order), with one reusable table a worker.
    /// Only hashes are compared: whether the ids are equal is ``exactDuplicates(_:id:)``'s to say.
    // One piece: the per-worker table is reused across buckets inside the parallel loop.
    static func sameHashes(parts: [ChunkColumns], threads: Int) -> [(ref: UInt64, first: UInt64)] {
        let buckets = ChunkColumns.idBuckets
        var largest = 0
        for b in 0..<buckets { largest = max(largest, parts.reduce(0) { $0 + $1.bucketCount(b) }) }
        var size = 4
        while size < largest * 2 { size <<= 1 }
        let tableSize = size
        var found = [[(ref: UInt64, first: UInt64)]](repeating: [], count: buckets)
        found.withUnsafeMutableBufferPointer { d in
            // Disjoint writes: a bucket, claimed once through the atomic counter, writes only its own slot.
            let out = UnsafeTransfer(d)
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, buckets))) { _ in
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
                    var same: [(ref: UInt64, first: UInt64)] = []
                    for (c, part) in parts.enumerated() {
                        for k in part.bucket(b) {
                            let h = part.idHash[k]
                            let ref = UInt64(c) << 32 | UInt64(k)
                            var s = Int(truncatingIfNeeded: h >> 8) & mask
                            while tableRef[s] != empty, tableHash[s] != h { s = (s + 1) & mask }
                            if tableRef[s] != empty {
                                same.append((ref, tableRef[s]))
                            } else {
                                tableHash[s] = h
                                tableRef[s] = ref
                            }
                        }
                    }
                    for k in 0..<used { tableRef[k] = empty }
                    out.wrappedValue[b] = same
                }
            }
        }
        return Array(found.joined())
    }

    /// The duplicates among lines of equal id hashes (``sameHashes(parts:threads:)``): each line with
    /// the earliest line of the same id bytes, `id` giving a line's id. Two ids may share a hash, so
    /// the lines of a hash are compared id by id, in file order.
    /// - Complexity: O(lines given), an `id` call each.
    static func exactDuplicates(_ sameHash: [(ref: UInt64, first: UInt64)], id: (UInt64) -> [UInt8]) -> [(
        ref: UInt64, first: UInt64
    )] {
        // `sameHash` lists each hash's later lines in file order.
        var later: [UInt64: [UInt64]] = [:]
        for pair in sameHash { later[pair.first, default: []].append(pair.ref) }
        var duplicates: [(ref: UInt64, first: UInt64)] = []
        for (first, refs) in later {
            // Most hashes are shared by two lines: compare them without a table.
            if refs.count == 1 {
                if id(refs[0]) == id(first) { duplicates.append((refs[0], first)) }
                continue
            }
            var earliest: [[UInt8]: UInt64] = [id(first): first]
            for ref in refs {
                let bytes = id(ref)
                if let earlier = earliest[bytes] {
                    duplicates.append((ref, earlier))
                } else {
                    earliest[bytes] = ref
                }
            }
        }
        return duplicates
    }

    /// Where a line named by the duplicate check is: its index in its chunk, where its record
    /// starts in its file, and its line number there.
    struct LocatedLine {
        var index: Int
        var start: Int
        var line: Int
    }

    /// Finds the lines `refs` (`chunk << 32 | k`, k a place in the chunk's bucket order) by parsing
    /// their chunks again: of a line's id, only its hash and grouped place outlive its window.
    /// - Complexity: O(bytes of the chunks named); each worker parses into one scratch of its own.
    // One piece: a worker claims chunk after chunk and parses each into the same scratch.
    static func locate(_ refs: Set<UInt64>, chunks: [Chunk], base: [Int], contexts: [Context], threads: Int)
        -> [UInt64: LocatedLine]
    {
        var wanted: [Int: [Int]] = [:]
        for ref in refs { wanted[Int(ref >> 32), default: []].append(Int(ref & 0xFFFF_FFFF)) }
        let named = wanted.sorted { $0.key < $1.key }
        guard !named.isEmpty else { return [:] }
        // Room for the largest chunk named, as `parse(_:from:to:scratch:)` sizes one.
        let capacity = named.reduce(1) { most, n in
            let chunk = chunks[n.key]
            return max(most, (chunk.limit - chunk.start) / max(1, contexts[chunk.file].fieldCount) + 1)
        }
        let currencies = contexts.contains { !$0.rates.currencies.isEmpty }
        var found = [[(UInt64, LocatedLine)]](repeating: [], count: named.count)
        found.withUnsafeMutableBufferPointer { slots in
            // Disjoint writes: a chunk, claimed once through the atomic counter, fills only its own slot.
            let out = UnsafeTransfer(slots)
            // Read-only: the bytes, chunks and look-up tables are not written while the workers run.
            let shared = UnsafeTransfer((contexts, chunks))
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, named.count))) { _ in
                let (contexts, chunks) = shared.wrappedValue
                let scratch = LineScratch(capacity: capacity, currencies: currencies)
                while true {
                    let n = next.add(1, ordering: .relaxed).oldValue
                    if n >= named.count { break }
                    let (c, places) = named[n]
                    let chunk = chunks[c]
                    // The same bytes parsed the same way: the same lines, hashed into the same bucket order.
                    let again = parse(contexts[chunk.file], from: chunk.start, to: chunk.limit, scratch: scratch)
                        .columns
                    precondition(again.count == chunk.columns.count, "a chunk parsed again gave other lines")
                    out.wrappedValue[n] = places.map { k in
                        precondition(again.idHash[k] == chunk.columns.idHash[k], "a chunk parsed again gave other ids")
                        let i = Int(again.bucketOrder[k])
                        return (
                            UInt64(c) << 32 | UInt64(k),
                            LocatedLine(index: i, start: again.recordStart(i), line: base[c] + Int(again.line[i]))
                        )
                    }
                    again.releaseAll()
                }
            }
        }
        return Dictionary(uniqueKeysWithValues: found.joined())
    }
}
