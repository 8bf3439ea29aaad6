#if canImport(Glibc)
import Glibc
#endif

/// What `rebate split` remembers of every accepted line, kept on disk so memory does not grow
/// with the input: the record list (where each line is, its partner and line number, in input
/// order) and its id hashes in buckets by their top bits, each bucket small enough to sort in memory.
final class SplitSpill {
    /// One accepted line; 24 bytes.
    struct Record {
        var start: Int64
        var file: Int32
        var partner: Int32
        var length: UInt32
        var line: UInt32
    }

    /// One accepted line's id hash and its position in the record list; 16 bytes.
    struct IDEntry: HashKeyed {
        var hash: UInt64
        var ordinal: UInt64
    }

    /// A line whose id an earlier line has: rejected, its partner's count and the totals corrected.
    struct Duplicate {
        var ordinal: Int
        var partner: Int32
        var quantity: Int64
        var amount: Int64
        var reject: TransactionReject
    }

    let records: SpillFile
    let buckets: [SpillFile]
    private let shift: UInt64
    /// Accepted lines added so far.
    private(set) var count = 0
    /// The record-list positions of the duplicates, which the shards leave out.
    private(set) var dropped = Set<Int>()

    /// Creates the temporary files in `folder` (hidden names, removed when this is freed).
    /// - Parameter inputBytes: the input's size, to choose buckets of about 32 MB each.
    init(folder: String, inputBytes: Int) throws(RebateError) {
        assert(MemoryLayout<Record>.size == MemoryLayout<Record>.stride)
        assert(MemoryLayout<IDEntry>.size == MemoryLayout<IDEntry>.stride)
        // Lines are at least about 40 bytes of CSV; a bucket entry is 16 bytes.
        let estimate = inputBytes / 40 * MemoryLayout<IDEntry>.stride
        var n = 16
        while n < 4096, estimate / n > 32 << 20 { n *= 2 }
        let pid = getpid()
        AtomicFile.removeTemporaries(in: folder)
        records = try SpillFile(path: folder + "/.split-records.tmp-\(pid)")
        var buckets: [SpillFile] = []
        for b in 0..<n {
            buckets.append(try SpillFile(path: folder + "/.split-ids-\(b).tmp-\(pid)", bufferBytes: 128 << 10))
        }
        self.buckets = buckets
        shift = UInt64(64 - n.trailingZeroBitCount)
    }

    /// Remembers one accepted line (lines come in input order).
    func add(_ r: TransactionCSVReader.AcceptedRecord) throws(RebateError) {
        try records.append(
            Record(
                start: Int64(r.start), file: r.file, partner: r.partner, length: UInt32(r.end - r.start),
                line: UInt32(r.line)))
        try buckets[Int(r.idHash >> shift)].append(IDEntry(hash: r.idHash, ordinal: UInt64(count)))
        count += 1
    }

    /// Every line whose `line_id` an earlier line (in input order) has, as the whole run rejects it.
    ///
    /// Each bucket is sorted by hash and position; lines of equal hash have their ids compared
    /// byte for byte in the input, and all but the first of each id are duplicates.
    /// - Complexity: O(lines log(lines / buckets)); memory one bucket.
    func duplicates(_ files: [TransactionCSVReader.SourceFile], decimals: Int, threads: Int) throws(RebateError)
        -> [Duplicate]
    {
        var layoutOf: [(columns: [Int], fieldCount: Int)] = []
        for f in files {
            guard case .success(let h) = TransactionCSVReader.header(f) else {
                throw .invariantViolated("a header read twice differs")
            }
            layoutOf.append((h.columns, h.fieldCount))
        }
        let layouts = layoutOf
        try records.flush()
        for b in buckets { try b.flush() }
        // Buckets are independent: each is sorted and checked whole (reads only); each bucket's
        // duplicates go to its own slot (ParallelMap), in bucket order.
        // Read-only: the mapped input outlives the workers, and the spill files, all flushed, are
        // only read with pread, which moves no shared offset.
        let shared = UnsafeTransfer((files, buckets, records))
        let found = try ParallelMap.run(buckets.count, threads: threads) { k throws(RebateError) -> [Duplicate] in
            let (files, buckets, records) = shared.wrappedValue
            let bucket = buckets[k]
            // Entries went in in position order; the stable sort keeps it within a hash.
            let entries = RadixSort.byHash(try bucket.read(IDEntry.self, 0..<bucket.count(of: IDEntry.self)))
            var mine: [Duplicate] = []
            var i = 0
            while i < entries.count {
                var j = i + 1
                while j < entries.count, entries[j].hash == entries[i].hash { j += 1 }
                if j - i > 1 {
                    mine += try Self.duplicates(in: entries[i..<j], records, files, layouts, decimals: decimals)
                }
                i = j
            }
            return mine
        }
        let out = found.joined().sorted { $0.ordinal < $1.ordinal }
        for d in out { dropped.insert(d.ordinal) }
        return out
    }

    /// The duplicates among lines of one hash, in position order.
    private static func duplicates(
        in run: ArraySlice<IDEntry>, _ records: SpillFile, _ files: [TransactionCSVReader.SourceFile],
        _ layouts: [(columns: [Int], fieldCount: Int)], decimals: Int
    ) throws(RebateError) -> [Duplicate] {
        var first: [[UInt8]: Record] = [:]
        var out: [Duplicate] = []
        for e in run {
            let r = try records.read(Record.self, Int(e.ordinal)..<Int(e.ordinal) + 1)[0]
            let file = files[Int(r.file)]
            let layout = layouts[Int(r.file)]
            var scanner = CSVScanner(bytes: file.bytes, position: Int(r.start), line: 0)
            scanner.expectedFields = layout.fieldCount
            var fields: [CSVField] = []
            guard scanner.next(fields: &fields) != nil, fields.count == layout.fieldCount else {
                throw .invariantViolated("an accepted record no longer reads")
            }
            let id = scanner.fieldBytes(fields[layout.columns[0]])
            guard let earlier = first[id] else {
                first[id] = r
                continue
            }
            let number = { (column: Int, scale: Int) -> Int64 in
                let text = scanner.fieldBytes(fields[layout.columns[column]])
                let parsed = text.withUnsafeBufferPointer {
                    DecimalText.parse($0, from: 0, to: $0.count, maxFraction: scale, scale: scale)
                }
                if case .success(let v) = parsed { return v }
                return 0
            }
            let firstFile = files[Int(earlier.file)].name
            out.append(
                Duplicate(
                    ordinal: Int(e.ordinal), partner: r.partner, quantity: number(4, 3),
                    amount: number(5, decimals),
                    reject: TransactionReject(
                        file: file.name, line: Int(r.line), lineID: String(decoding: id, as: UTF8.self),
                        reason: firstFile == file.name
                            ? "line_id: duplicate of line \(earlier.line)"
                            : "line_id: duplicate of \(firstFile) line \(earlier.line)",
                        raw: Array(
                            UnsafeBufferPointer(rebasing: file.bytes[Int(r.start)..<Int(r.start) + Int(r.length)])))))
        }
        return out
    }
}
