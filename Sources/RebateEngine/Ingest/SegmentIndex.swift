/// The `line_id`s accepted in one file of a `transactions/` folder, sorted by hash, with the file
/// they were read from: what the store checks a later file's ids against (``ColumnarStore``).
///
/// The `.ids` file is `RBIDS001`, the entry count (`UInt64`), a checksum of the entries
/// (``BlockChecksum``), then the entries, 24 bytes each, little-endian: id hash, byte offset of
/// the record in its CSV file, line number, position in the segment's partner-grouped columns.
final class SegmentIndex {
    struct IDEntry: HashKeyed {
        var hash: UInt64
        var start: UInt64
        var line: UInt32
        var position: UInt32
    }

    static let magic: [UInt8] = Array("RBIDS001".utf8)
    static let headerSize = 24
    static let entrySize = 24

    /// The file's name as rejects name it (`transactions/2026-01.csv`).
    let name: String
    let csv: FileBytes
    let ids: FileBytes
    let segment: String
    let idColumn: Int
    let fieldCount: Int
    let count: Int
    /// Positions of this file's lines that are duplicates of an earlier file's (they do not count as accepted).
    var dropped: Set<Int> = []

    init(csv path: String, name: String, ids idsPath: String, segment: String) throws(RebateError) {
        self.name = name
        self.segment = segment
        csv = try FileBytes(path: path)
        ids = try FileBytes(path: idsPath)
        let bytes = UnsafeRawBufferPointer(ids.buffer)
        func bad(_ why: String) -> RebateError {
            .invalidInput([InputProblem(file: idsPath, reason: "\(why); run `rebate import` again")])
        }
        guard bytes.count >= Self.headerSize, Array(bytes[0..<8]) == Self.magic else { throw bad("not an id index") }
        let n = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        guard n >= 0, bytes.count == Self.headerSize + n * Self.entrySize else { throw bad("truncated") }
        let body = UnsafeRawBufferPointer(rebasing: bytes[Self.headerSize...])
        guard
            BlockChecksum.of(body, threads: 1)
                == UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        else { throw bad("corrupted (checksum mismatch)") }
        count = n
        guard
            case .success(let header) = TransactionCSVReader.header(
                TransactionCSVReader.SourceFile(name: name, bytes: csv.buffer))
        else { throw bad("its CSV file has no usable header") }
        idColumn = header.columns[0]
        fieldCount = header.fieldCount
    }

    /// Entry `i` (in hash order).
    func entry(_ i: Int) -> IDEntry {
        let b = UnsafeRawBufferPointer(ids.buffer)
        let o = Self.headerSize + i * Self.entrySize
        return IDEntry(
            hash: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)),
            start: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self)),
            line: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o + 16, as: UInt32.self)),
            position: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o + 20, as: UInt32.self)))
    }

    /// The first entry whose hash is not below `hash`.
    func lowerBound(_ hash: UInt64) -> Int {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.hash(mid) < hash { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The unescaped `line_id` and the raw bytes of the record starting at `start` of the CSV file.
    func record(at start: Int) -> (id: [UInt8], raw: [UInt8]) {
        var scanner = CSVScanner(bytes: csv.buffer, position: start, line: 0)
        scanner.expectedFields = fieldCount
        var fields: [CSVField] = []
        guard let r = scanner.next(fields: &fields), fields.count > idColumn else { return ([], []) }
        return (scanner.fieldBytes(fields[idColumn]), Array(UnsafeBufferPointer(rebasing: csv.buffer[r.start..<r.end])))
    }

    /// This file's accepted lines whose id an earlier file accepted first: each earlier index searched
    /// for the same hashes, the id compared byte for byte in the CSV files on a match.
    /// - Complexity: O(Σ min(lines × log earlier, lines + earlier)) over the earlier files.
    func duplicates(of earlier: [SegmentIndex]) throws(RebateError) -> [ColumnarStore.Drop] {
        // The first earlier file (in order) that accepted each of this file's ids, by entry.
        var first: [Int: (file: String, line: Int)] = [:]
        for other in earlier {
            // Both indexes are sorted by hash: a few lines against a big file are looked up one by one,
            // else the two are walked side by side once.
            let log = max(1, Int.bitWidth - other.count.leadingZeroBitCount)
            let candidates: [(mine: Int, theirs: Int)] =
                count * log < count + other.count ? lookUp(in: other) : walk(with: other)
            for (i, k) in candidates where first[i] == nil {
                let o = other.entry(k)
                if other.dropped.contains(Int(o.position)) { continue }
                if other.record(at: Int(o.start)).id == record(at: Int(entry(i).start)).id {
                    first[i] = (other.name, Int(o.line))
                }
            }
        }
        let found = first.map { (entry: entry($0.key), first: $0.value) }
        guard !found.isEmpty else { return [] }
        // The amounts of the dropped lines, from this file's segment, to move them in the totals.
        let file = try FileBytes(path: segment)
        return withExtendedLifetime(file) {
            let raw = UnsafeRawBufferPointer(file.buffer)
            let n = Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            let quantityAt = Int(
                UInt64(
                    littleEndian: raw.loadUnaligned(fromByteOffset: ColumnarFile.headerSize + 24 * 3, as: UInt64.self)))
            let amountAt = Int(
                UInt64(
                    littleEndian: raw.loadUnaligned(fromByteOffset: ColumnarFile.headerSize + 24 * 4, as: UInt64.self)))
            return found.sorted { $0.entry.line < $1.entry.line }.compactMap { f -> ColumnarStore.Drop? in
                let p = Int(f.entry.position)
                guard p < n, quantityAt + 8 * (p + 1) <= raw.count, amountAt + 8 * (p + 1) <= raw.count else {
                    return nil
                }
                let (id, text) = record(at: Int(f.entry.start))
                return ColumnarStore.Drop(
                    position: p, line: Int(f.entry.line), lineID: String(decoding: id, as: UTF8.self),
                    firstFile: f.first.file, firstLine: f.first.line, raw: text,
                    quantity: Int64(
                        littleEndian: raw.loadUnaligned(fromByteOffset: quantityAt + 8 * p, as: Int64.self)),
                    amount: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: amountAt + 8 * p, as: Int64.self)))
            }
        }
    }

    /// Pairs (this entry, other entry) with equal hashes, by binary search of each of this file's hashes.
    func lookUp(in other: SegmentIndex) -> [(mine: Int, theirs: Int)] {
        var out: [(mine: Int, theirs: Int)] = []
        for i in 0..<count {
            let h = hash(i)
            var k = other.lowerBound(h)
            while k < other.count, other.hash(k) == h {
                out.append((i, k))
                k += 1
            }
        }
        return out
    }

    /// Pairs with equal hashes, walking both sorted indexes once.
    func walk(with other: SegmentIndex) -> [(mine: Int, theirs: Int)] {
        var out: [(mine: Int, theirs: Int)] = []
        var i = 0
        var j = 0
        while i < count, j < other.count {
            let a = hash(i)
            let b = other.hash(j)
            if a < b {
                i += 1
            } else if a > b {
                j += 1
            } else {
                var k = j
                while k < other.count, other.hash(k) == a {
                    out.append((i, k))
                    k += 1
                }
                i += 1
            }
        }
        return out
    }

    /// The hash of entry `i`, read without building the whole entry.
    @inline(__always)
    func hash(_ i: Int) -> UInt64 {
        UInt64(
            littleEndian: UnsafeRawBufferPointer(ids.buffer).loadUnaligned(
                fromByteOffset: Self.headerSize + i * Self.entrySize, as: UInt64.self))
    }

    /// Writes an `.ids` file: header, checksum, entries.
    static func write(_ entries: [IDEntry], to path: String) throws(RebateError) {
        var bytes = [UInt8](repeating: 0, count: headerSize + entries.count * entrySize)
        bytes.withUnsafeMutableBytes { out in
            for (i, b) in magic.enumerated() { out[i] = b }
            out.storeBytes(of: UInt64(entries.count).littleEndian, toByteOffset: 8, as: UInt64.self)
            for (i, e) in entries.enumerated() {
                let o = headerSize + i * entrySize
                out.storeBytes(of: e.hash.littleEndian, toByteOffset: o, as: UInt64.self)
                out.storeBytes(of: e.start.littleEndian, toByteOffset: o + 8, as: UInt64.self)
                out.storeBytes(of: e.line.littleEndian, toByteOffset: o + 16, as: UInt32.self)
                out.storeBytes(of: e.position.littleEndian, toByteOffset: o + 20, as: UInt32.self)
            }
            let check = BlockChecksum.of(UnsafeRawBufferPointer(rebasing: out[headerSize...]), threads: 1)
            out.storeBytes(of: check.littleEndian, toByteOffset: 16, as: UInt64.self)
        }
        try AtomicFile.write(bytes, to: path)
    }
}
