import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Reads `transactions.csv` into columns in parallel, rejecting bad lines with reasons.
///
/// The file is cut into chunks at line breaks and every chunk is parsed at
/// once, each assuming a record starts where it does. A sequential check
/// then walks the chunks: where the previous chunk's last record ran past
/// the cut (a quoted line break), the chunk is parsed again from where that
/// record really ended. The result, rejects and line numbers included, is
/// exactly that of one sequential pass, for any chunk size and thread count.
/// Line numbers come from counting line breaks before a record, so they
/// need no sequential state. Duplicate `line_id`s are found afterwards by
/// hashing the ids of accepted lines into buckets, processed in parallel.
struct TransactionCSVReader {
    let partners: [Partner]
    let products: [Product]
    let decimals: Int
    var threads: Int
    /// Target chunk size; tests make it tiny to put cuts everywhere.
    var chunkBytes = 4 << 20
    var progress: RunProgress?
    /// Set only when `bytes` is a read-only file mapping, whose pages can be dropped once parsed.
    var releasesPages = false

    static let requiredColumns = ["line_id", "date", "partner_id", "product_id", "quantity", "amount"]
    /// Values of 10^12 or more are refused (SPEC section 1).
    static let magnitudeLimitUnits: Int64 = 1_000_000_000_000

    struct Output {
        var columns: TransactionColumns
        var rejects: [TransactionReject]
        var totals: IngestTotals
    }

    /// What one chunk parse produced.
    struct Chunk {
        var start = 0, end = 0
        /// Line breaks between `start` and `end`.
        var lines = 0
        /// Accepted lines; line numbers are relative to `start` until joined.
        var columns = ChunkColumns(capacity: 0)
        var rejects: [TransactionReject] = []   // `line` relative to `start`
        var totals = IngestTotals()
    }

    /// Column positions and look-up tables shared read-only by the chunk parsers.
    struct Context: @unchecked Sendable {
        // Sendable: every field is either a value or a view that nothing writes while parsers run.
        let bytes: UnsafeBufferPointer<UInt8>
        let columns: [Int]
        let fieldCount: Int
        let decimals: Int
        let partners: ByteKeyTable.Lookup
        let products: ByteKeyTable.Lookup
        let fileName: String
        let partnerCount: Int
    }

    func read(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String) throws(RebateError) -> Output {
        var scanner = CSVScanner(bytes: bytes)
        var fields: [CSVField] = []
        guard let header = scanner.next(fields: &fields), header.error == nil else {
            throw .invalidInput([InputProblem(file: fileName, line: 1, reason: "a header row is required (\(Self.requiredColumns.joined(separator: ",")))")])
        }
        var positions: [String: Int] = [:]
        for (i, f) in fields.enumerated() where positions[scanner.text(f)] == nil { positions[scanner.text(f)] = i }
        let missing = Self.requiredColumns.filter { positions[$0] == nil }
        if !missing.isEmpty {
            throw .invalidInput([InputProblem(file: fileName, line: header.line, reason: "missing required column\(missing.count == 1 ? "" : "s") " + missing.joined(separator: ", "))])
        }
        let bodyStart = scanner.position
        let fieldCount = fields.count
        var partnerTable = ByteKeyTable(capacity: partners.count)
        for (i, p) in partners.enumerated() { _ = partnerTable.insert(p.id, value: Int32(i)) }
        var productTable = ByteKeyTable(capacity: products.count)
        for (i, p) in products.enumerated() { _ = productTable.insert(p.id, value: Int32(i)) }

        // Cut points: just after a line break, roughly every chunkBytes.
        var cuts = [bodyStart]
        var p = bodyStart + chunkBytes
        while p < bytes.count {
            while p < bytes.count, bytes[p - 1] != 10 { p += 1 }
            if p < bytes.count { cuts.append(p) }
            p += chunkBytes
        }
        cuts.append(bytes.count)
        let chunkCount = cuts.count - 1
        let cutPoints = cuts

        return partnerTable.withLookup { partnerLookup in
        productTable.withLookup { productLookup in
            let context = Context(bytes: bytes, columns: Self.requiredColumns.map { positions[$0]! }, fieldCount: fieldCount,
                                  decimals: decimals, partners: partnerLookup, products: productLookup, fileName: fileName,
                                  partnerCount: partners.count)
            var chunks = [Chunk](repeating: Chunk(), count: chunkCount)
            let progress = self.progress
            let releasesPages = self.releasesPages
            progress?.begin(0, total: chunkCount)
            chunks.withUnsafeMutableBufferPointer { out in
                let results = SharedSlots(base: out)
                DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
                    results.base[c] = Self.parse(context, from: cutPoints[c], to: cutPoints[c + 1])
                    // The chunk's bytes are read: let the kernel drop its pages from this process
                    // (they stay in the page cache, should a record be read again).
                    if releasesPages { FileBytes.release(context.bytes, cutPoints[c]..<cutPoints[c + 1]) }
                    progress?.advance()
                }
            }
            // Where a record ran past a cut, parse the next chunk again from where it ended.
            var position = bodyStart
            for c in 0..<chunkCount {
                if chunks[c].start != position {
                    chunks[c] = position >= cuts[c + 1] ? Chunk(start: position, end: position) : Self.parse(context, from: position, to: cuts[c + 1])
                }
                position = chunks[c].end
            }
            // Chunks now follow each other exactly: each starts on the line after the previous one's breaks.
            var base = [Int](repeating: 0, count: chunkCount)
            var line = 1 + bytes[0..<bodyStart].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            for c in 0..<chunkCount {
                base[c] = line
                line += chunks[c].lines
            }
            return Self.finish(context, &chunks, base: base, threads: threads)
        }
        }
    }

    /// Parses the records that start in `from..<to`.
    ///
    /// Plain records (no quote, ASCII, the right field count) take a fast path
    /// that reads fields straight from the bytes; anything else goes through
    /// the full RFC 4180 scanner, one record at a time.
    static func parse(_ cx: Context, from: Int, to: Int) -> Chunk {
        let bytes = cx.bytes
        // Every accepted record takes at least one byte per field (its comma or line break):
        // an upper bound that costs no pass over the bytes, and untouched pages cost no memory.
        var chunk = Chunk(start: from, end: from, columns: ChunkColumns(capacity: (to - from) / max(1, cx.fieldCount) + 1))
        let out = chunk.columns
        var scanner = CSVScanner(bytes: bytes, position: from, line: 0)
        scanner.expectedFields = cx.fieldCount
        var fields: [CSVField] = []
        fields.reserveCapacity(cx.fieldCount)
        var reasons: [String] = []
        let col = cx.columns
        let fieldCount = cx.fieldCount
        let n = bytes.count
        var position = from
        var line = 0
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * fieldCount) { range in
            while true {
                // Blank lines are skipped; they still count for line numbers.
                while position < n {
                    if bytes[position] == 10 { position += 1; line += 1; continue }
                    if bytes[position] == 13, position + 1 < n, bytes[position + 1] == 10 { position += 2; line += 1; continue }
                    break
                }
                guard position < to else { break }
                // Fast path: split on commas up to the line break, eight bytes at a time.
                var p = position
                var field = 0
                var plain = true
                range[0] = p
                scan: while p < n {
                    if p + 8 <= n {
                        // SWAR: flag bytes that are ',', '\n', '"' or not ASCII; the first flag is exact.
                        let w = UnsafeRawPointer(bytes.baseAddress! + p).loadUnaligned(as: UInt64.self).littleEndian
                        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                        let comma = w ^ (ones &* 44), newline = w ^ (ones &* 10), quote = w ^ (ones &* 34)
                        let m = ((comma &- ones) & ~comma | (newline &- ones) & ~newline | (quote &- ones) & ~quote | w) & highs
                        if m == 0 { p += 8; continue }
                        p += m.trailingZeroBitCount >> 3
                    }
                    let c = bytes[p]
                    if c == 10 { break scan }
                    if c == 44 {
                        field += 1
                        if field >= fieldCount { plain = false; break scan }
                        range[2 * field - 1] = p
                        range[2 * field] = p + 1
                    } else if c == 34 || c >= 0x80 {
                        plain = false
                        break scan
                    }
                    p += 1
                }
                if p - position > scanner.maxRecordBytes { plain = false }
                if plain, field == fieldCount - 1 {
                    let lineEnd = p
                    var recordEnd = p
                    if recordEnd > position, bytes[recordEnd - 1] == 13 { recordEnd -= 1 }
                    range[2 * field + 1] = recordEnd
                    let record = CSVRecord(line: line, start: position, end: recordEnd, error: nil)
                    chunk.totals.linesRead += 1
                    let f = { (k: Int) in (range[2 * col[k]], range[2 * col[k] + 1]) }
                    let (i0, e0) = f(0), (i1, e1) = f(1), (i2, e2) = f(2), (i3, e3) = f(3), (i4, e4) = f(4), (i5, e5) = f(5)
                    let date = CivilDate.parse(UnsafeBufferPointer(rebasing: bytes[i1..<e1])[...])
                    let partner = cx.partners.find(bytes, i2, e2)
                    let product = cx.products.find(bytes, i3, e3)
                    let quantity = DecimalText.parse(bytes, from: i4, to: e4, maxFraction: 3, scale: 3)
                    let amount = DecimalText.parse(bytes, from: i5, to: e5, maxFraction: cx.decimals, scale: cx.decimals)
                    if e0 > i0, e0 - i0 <= 64, let date, partner >= 0, product >= 0,
                       case .success(let q) = quantity, case .success(let a) = amount,
                       q.magnitude < 1_000_000_000_000_000, a.magnitude < UInt64(magnitudeLimitUnits) * UInt64(DecimalText.powersOfTen[cx.decimals]),
                       !((q > 0 && a < 0) || (q < 0 && a > 0)) {
                        out.append(partner: partner, product: product, day: date.dayNumber, quantity: q, amount: a,
                                   idHash: ByteKeyTable.hash(bytes, i0, e0), recordStart: position, line: UInt32(line))
                        chunk.totals.linesAccepted += 1
                        chunk.totals.acceptedQuantity += Int128(q)
                        chunk.totals.acceptedAmount += Int128(a)
                    } else {
                        // Something is wrong: let the careful path name every reason.
                        fields.removeAll(keepingCapacity: true)
                        for k in 0..<fieldCount { fields.append(CSVField(start: range[2 * k], end: range[2 * k + 1], hasEscapedQuotes: false)) }
                        validate(cx, &chunk, record, fields, scanner, &reasons)
                    }
                    position = lineEnd < n ? lineEnd + 1 : lineEnd
                    line += 1
                    continue
                }
                // The full scanner, for one record.
                scanner.seek(to: position, line: line)
                guard let record = scanner.next(fields: &fields) else { break }
                chunk.totals.linesRead += 1
                position = scanner.position
                line = scanner.line
                if let error = record.error {
                    reject(&chunk, record, bytes, lineID: "", reason: "malformed CSV: \(error)", quantity: nil, amount: nil)
                    continue
                }
                if !scanner.isValidUTF8(record.start, record.end) {
                    reject(&chunk, record, bytes, lineID: "", reason: "invalid UTF-8", quantity: nil, amount: nil)
                    continue
                }
                validate(cx, &chunk, record, fields, scanner, &reasons)
            }
        }
        chunk.end = position
        chunk.lines = line
        return chunk
    }

    /// Checks one well-formed record field by field; accepts it or rejects it with every reason.
    static func validate(_ cx: Context, _ chunk: inout Chunk, _ record: CSVRecord, _ fields: [CSVField], _ scanner: CSVScanner, _ reasons: inout [String]) {
        reasons.removeAll(keepingCapacity: true)
        let col = cx.columns
        // Fields with "" escapes are unescaped first; others are read in place.
        func view<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>, Int, Int) -> R) -> R {
            let f = fields[col[i]]
            if !f.hasEscapedQuotes { return body(cx.bytes, f.start, f.end) }
            return scanner.fieldBytes(f).withUnsafeBufferPointer { body($0, 0, $0.count) }
        }
        let idHash = view(0) { b, s, e in ByteKeyTable.hash(b, s, e) }
        let idLength = view(0) { _, s, e in e - s }
        if idLength == 0 { reasons.append("line_id: empty") } else if idLength > 64 { reasons.append("line_id: longer than 64 bytes") }
        let date = view(1) { b, s, e in CivilDate.parse(UnsafeBufferPointer(rebasing: b[s..<e])[...]) }
        if date == nil { reasons.append("date: \"\(scanner.text(fields[col[1]]))\" is not a date YYYY-MM-DD in 1900...2999") }
        let partner = view(2) { b, s, e in cx.partners.find(b, s, e) }
        if partner < 0 { reasons.append("partner_id: unknown partner \"\(scanner.text(fields[col[2]]))\"") }
        let product = view(3) { b, s, e in cx.products.find(b, s, e) }
        if product < 0 { reasons.append("product_id: unknown product \"\(scanner.text(fields[col[3]]))\"") }
        let quantity = number(view(4) { b, s, e in DecimalText.parse(b, from: s, to: e, maxFraction: 3, scale: 3) },
                              "quantity", { scanner.text(fields[col[4]]) }, scale: 3, &reasons)
        let amount = number(view(5) { b, s, e in DecimalText.parse(b, from: s, to: e, maxFraction: cx.decimals, scale: cx.decimals) },
                            "amount", { scanner.text(fields[col[5]]) }, scale: cx.decimals, &reasons)
        if let quantity, let amount, (quantity > 0 && amount < 0) || (quantity < 0 && amount > 0) {
            reasons.append("quantity and amount have opposite signs")
        }
        if !reasons.isEmpty {
            reject(&chunk, record, cx.bytes, lineID: scanner.text(fields[col[0]]), reason: reasons.joined(separator: "; "),
                   quantity: quantity, amount: amount)
            return
        }
        chunk.columns.append(partner: partner, product: product, day: date!.dayNumber, quantity: quantity!, amount: amount!,
                             idHash: idHash, recordStart: record.start, line: UInt32(record.line))
        chunk.totals.linesAccepted += 1
        chunk.totals.acceptedQuantity += Int128(quantity!)
        chunk.totals.acceptedAmount += Int128(amount!)
    }

    private static func number(_ result: Result<Int64, DecimalTextError>, _ column: String, _ text: () -> String, scale: Int, _ reasons: inout [String]) -> Int64? {
        switch result {
        case .success(let v):
            if v.magnitude >= UInt64(magnitudeLimitUnits) * UInt64(DecimalText.powersOfTen[scale]) {
                reasons.append("\(column): \"\(text())\" is 10^12 or more in absolute value")
                return nil
            }
            return v
        case .failure(.syntax): reasons.append("\(column): \"\(text())\" is not a plain decimal")
        case .failure(.tooManyDecimals(let max)): reasons.append("\(column): \"\(text())\" has more than \(max) decimal place\(max == 1 ? "" : "s")")
        case .failure(.tooLarge): reasons.append("\(column): \"\(text())\" is 10^12 or more in absolute value")
        }
        return nil
    }

    private static func reject(_ chunk: inout Chunk, _ record: CSVRecord, _ bytes: UnsafeBufferPointer<UInt8>, lineID: String, reason: String, quantity: Int64?, amount: Int64?) {
        chunk.rejects.append(TransactionReject(file: "transactions.csv", line: record.line, lineID: lineID, reason: reason,
                                               raw: Array(UnsafeBufferPointer(rebasing: bytes[record.start..<record.end]))))
        chunk.totals.linesRejected += 1
        if let quantity, let amount {
            chunk.totals.rejectedQuantity += Int128(quantity)
            chunk.totals.rejectedAmount += Int128(amount)
        } else {
            chunk.totals.rejectedUnreadable += 1
        }
    }

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

/// The accepted lines of one chunk, in storage sized once for the chunk.
///
/// A class so the parsers append without copy-on-write checks, and so the
/// storage is freed as soon as the chunk has been joined.
/// `@unchecked Sendable`: one parser fills it; afterwards it is only read.
final class ChunkColumns: @unchecked Sendable {
    private(set) var count = 0
    let capacity: Int
    let partner: UnsafeMutablePointer<Int32>
    let product: UnsafeMutablePointer<Int32>
    let day: UnsafeMutablePointer<Int32>
    let quantity: UnsafeMutablePointer<Int64>
    let amount: UnsafeMutablePointer<Int64>
    /// For duplicate detection: each line's id hash, record start and line (relative to the chunk).
    private(set) var idHash: UnsafeMutablePointer<UInt64>
    private(set) var recordStart: UnsafeMutablePointer<Int>
    private(set) var line: UnsafeMutablePointer<UInt32>
    private var idsReleased = false

    init(capacity: Int) {
        self.capacity = capacity
        // Straight from the system, so that freeing really hands the memory back
        // (a malloc heap would keep it, and peak memory would count it twice).
        partner = PageMemory.allocate(Int32.self, max(1, capacity))
        product = PageMemory.allocate(Int32.self, max(1, capacity))
        day = PageMemory.allocate(Int32.self, max(1, capacity))
        quantity = PageMemory.allocate(Int64.self, max(1, capacity))
        amount = PageMemory.allocate(Int64.self, max(1, capacity))
        idHash = PageMemory.allocate(UInt64.self, max(1, capacity))
        recordStart = PageMemory.allocate(Int.self, max(1, capacity))
        line = PageMemory.allocate(UInt32.self, max(1, capacity))
    }

    deinit {
        let n = max(1, capacity)
        PageMemory.free(partner, n); PageMemory.free(product, n); PageMemory.free(day, n)
        PageMemory.free(quantity, n); PageMemory.free(amount, n)
        releaseIDs()
    }

    /// Frees the duplicate-detection columns once duplicates are known.
    func releaseIDs() {
        guard !idsReleased else { return }
        idsReleased = true
        let n = max(1, capacity)
        PageMemory.free(idHash, n); PageMemory.free(recordStart, n); PageMemory.free(line, n)
    }

    @inline(__always)
    func append(partner p: Int32, product k: Int32, day d: Int32, quantity q: Int64, amount a: Int64, idHash h: UInt64, recordStart r: Int, line l: UInt32) {
        precondition(count < capacity, "chunk capacity is one more than its line breaks")
        partner[count] = p
        product[count] = k
        day[count] = d
        quantity[count] = q
        amount[count] = a
        idHash[count] = h
        recordStart[count] = r
        line[count] = l
        count += 1
    }

    var idHashes: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: idHash, count: count) }
}

/// Memory mapped straight from the system: untouched pages cost nothing, and freeing returns it.
enum PageMemory {
    static func allocate<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let bytes = count * MemoryLayout<T>.stride
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            preconditionFailure("out of memory: \(bytes) bytes")
        }
        return p.bindMemory(to: T.self, capacity: count)
    }

    static func free<T>(_ p: UnsafeMutablePointer<T>, _ count: Int) {
        munmap(UnsafeMutableRawPointer(p), count * MemoryLayout<T>.stride)
    }
}
