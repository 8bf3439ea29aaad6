import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The binary columnar form of `transactions.csv` (`transactions.rbc`), documented in docs/columnar-format.md.
///
/// `rebate import` writes it once; `rebate accrue` memory-maps it and starts
/// computing without parsing. Lines are stored grouped by partner, so the
/// engine uses the mapped columns in place, with no copy. Every section has a
/// checksum; a truncated, corrupted, foreign or stale file is refused.
public enum ColumnarFile {
    /// The file name inside a dataset folder.
    public static let fileName = "transactions.rbc"
    static let magic: [UInt8] = Array("RBCOLUMN".utf8)
    static let version: UInt32 = 1
    static let headerSize = 128
    /// Seven sections; an eighth, the lines' currency column, only when some line is in a listed currency.
    static let sectionCount = 7
    static let sectionCountWithCurrency = 8
    static let alignment = 4096

    /// What the reader checks the file against: the master data it was imported with, and the rates its
    /// book amounts were converted with (so a changed `rates.csv` makes the file stale).
    static func fingerprint(partners: [Partner], products: [Product], decimals: Int, rates: ExchangeRates) -> UInt64 {
        var bytes: [UInt8] = []
        for p in partners {
            bytes += Array(p.id.utf8)
            bytes.append(0)
        }
        bytes.append(1)
        for p in products {
            bytes += Array(p.id.utf8)
            bytes.append(0)
        }
        bytes.append(UInt8(decimals))
        // Without listed currencies nothing is added, so such files keep the fingerprint they had.
        if !rates.currencies.isEmpty { withUnsafeBytes(of: rates.fingerprint.littleEndian) { bytes += $0 } }
        return bytes.withUnsafeBytes { BlockChecksum.of($0, threads: 1) }
    }

    /// Writes the loaded transactions, their rejects and control totals, grouped by partner.
    /// - Parameters:
    ///   - sourceSize: size of the CSV it came from; `sourceModified`: its modification time (ns), for the staleness check.
    /// - Complexity: O(lines); the columns are written straight from memory.
    // One piece: the file layout is written in the order docs/columnar-format.md gives it.
    public static func write(
        _ loaded: LoadedDataset, to path: String, sourceSize: UInt64 = 0, sourceModified: Int64 = 0,
        threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) {
        let d = loaded.dataset
        var columns = d.transactions
        if !columns.withUnsafeColumns({ PartnerGrouping.isGrouped($0.partner) }) {
            columns = PartitionPlan.groupByPartner(columns, partners: d.partners.count, threads: threads).0
        }
        let n = columns.count
        let totals = encode(loaded.totals)
        let rejects = encode(loaded.rejects)
        let result: Result<Void, RebateError> = columns.withUnsafeColumns { c in
            let parts: [UnsafeRawBufferPointer] = [
                UnsafeRawBufferPointer(c.partner), UnsafeRawBufferPointer(c.product), UnsafeRawBufferPointer(c.day),
                UnsafeRawBufferPointer(c.quantity), UnsafeRawBufferPointer(c.amount),
            ]
            return totals.withUnsafeBytes { totalsBytes in
                rejects.withUnsafeBytes { rejectsBytes in
                    let sections =
                        parts + [totalsBytes, rejectsBytes] + (c.currency.map { [UnsafeRawBufferPointer($0)] } ?? [])
                    var offsets: [Int] = []
                    var offset = alignment
                    for s in sections {
                        offsets.append(offset)
                        offset += (s.count + alignment - 1) / alignment * alignment
                    }
                    var header = [UInt8](repeating: 0, count: alignment)
                    func put<T: FixedWidthInteger>(_ v: T, at o: Int) {
                        withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { header[o + i] = b } }
                    }
                    for (i, b) in magic.enumerated() { header[i] = b }
                    put(version, at: 8)
                    put(UInt32(headerSize), at: 12)
                    put(UInt64(n), at: 16)
                    put(UInt32(d.partners.count), at: 24)
                    put(UInt32(d.products.count), at: 28)
                    put(UInt32(d.agreements.decimals), at: 32)
                    put(UInt32(1), at: 36) // flags: grouped by partner
                    put(
                        fingerprint(
                            partners: d.partners, products: d.products, decimals: d.agreements.decimals, rates: d.rates),
                        at: 40
                    )
                    put(sourceSize, at: 48)
                    put(sourceModified, at: 56)
                    put(UInt32(sections.count), at: 64)
                    for (i, s) in sections.enumerated() {
                        put(UInt64(offsets[i]), at: headerSize + 24 * i)
                        put(UInt64(s.count), at: headerSize + 24 * i + 8)
                        put(BlockChecksum.of(s, threads: threads), at: headerSize + 24 * i + 16)
                    }
                    let check = headerChecksum(header)
                    put(check, at: 120)
                    return Result { () throws(RebateError) in
                        try AtomicFile.write(path: path) { sink throws(RebateError) in
                            try sink.write(header)
                            for s in sections {
                                try sink.write(s)
                                let padded = (s.count + alignment - 1) / alignment * alignment
                                if padded > s.count { try sink.write(zeros: padded - s.count) }
                            }
                        }
                    }
                }
            }
        }
        try result.get()
    }

    /// The checksum of the whole header page, with its own checksum field read as zero.
    static func headerChecksum(_ header: [UInt8]) -> UInt64 {
        var copy = Array(header[0..<alignment])
        for i in 120..<128 { copy[i] = 0 }
        return copy.withUnsafeBytes { BlockChecksum.of($0, threads: 1) }
    }

    /// Reads a columnar file written for these partners, products and currency decimals.
    ///
    /// The columns stay in the file's memory mapping. Every byte is checked
    /// against its section checksum, and every partner and product index
    /// against the master data, before anything is used.
    /// - Throws: ``RebateError/invalidInput(_:)`` naming the file and what is wrong.
    /// - Parameter source: size and modification time of the `transactions.csv` beside it, if any:
    ///   a file imported from another version of it is refused as stale.
    // One piece: every check of docs/columnar-format.md in the order a reader must make them.
    public static func read(
        path: String, partners: [Partner], products: [Product], decimals: Int, rates: ExchangeRates = ExchangeRates(),
        source: (size: UInt64, modified: Int64)? = nil,
        threads: Int = AccrualEngine.defaultThreadCount
    ) throws(RebateError) -> (TransactionColumns, [TransactionReject], IngestTotals) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        func bad(_ reason: String) -> RebateError { .invalidInput([InputProblem(file: name, reason: reason)]) }
        let mapped = try FileBytes(path: path)
        let size = mapped.buffer.count
        guard size >= alignment else {
            throw bad("not a RebateEngine columnar file (\(size) bytes, too short for its header)")
        }
        let file = UnsafeRawBufferPointer(mapped.buffer)
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: file.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: file.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        guard Array(file[0..<8]) == magic else { throw bad("not a RebateEngine columnar file (wrong magic number)") }
        guard u32(8) == version else {
            throw bad("format version \(u32(8)) is not supported (this build reads version \(version))")
        }
        let sectionCount = Int(u32(64))
        guard u32(12) == UInt32(headerSize),
            sectionCount == Self.sectionCount || sectionCount == sectionCountWithCurrency
        else { throw bad("corrupted header") }
        guard headerChecksum(Array(file[0..<alignment])) == u64(120) else {
            throw bad("corrupted header (checksum mismatch)")
        }
        if let source, source.size != u64(48) || source.modified != Int64(bitPattern: u64(56)) {
            throw bad(
                "is stale: the CSV lines changed since they were imported; run `rebate import` again, or delete \(name)"
            )
        }
        let n = Int(u64(16))
        guard n >= 0, n <= size / 28 else { throw bad("corrupted header (line count)") }
        guard Int(u32(24)) == partners.count, Int(u32(28)) == products.count, Int(u32(32)) == decimals,
            u64(40) == fingerprint(partners: partners, products: products, decimals: decimals, rates: rates)
        else {
            throw bad("was imported with other partners, products or currency decimals; run `rebate import` again")
        }
        var offsets: [Int] = []
        var lengths: [Int] = []
        let widths = [4, 4, 4, 8, 8, 0, 0, 1]
        for i in 0..<sectionCount {
            let o = Int(u64(headerSize + 24 * i))
            let l = Int(u64(headerSize + 24 * i + 8))
            guard o % alignment == 0, o >= alignment, l >= 0, o <= size, l <= size - o else {
                throw bad("truncated or corrupted: section \(i) lies outside the file (\(size) bytes)")
            }
            if widths[i] > 0, l != n * widths[i] {
                throw bad("corrupted: section \(i) has \(l) bytes for \(n) lines")
            }
            offsets.append(o)
            lengths.append(l)
        }
        // Sections follow each other, padded with zeros to the page, up to the exact end of the file.
        var expected = alignment
        for i in 0..<sectionCount {
            guard offsets[i] == expected else { throw bad("corrupted: section \(i) is not where the layout puts it") }
            expected += (lengths[i] + alignment - 1) / alignment * alignment
        }
        guard size == expected else {
            throw bad(
                size < expected
                    ? "truncated: \(size) bytes of \(expected)"
                    : "corrupted: \(size - expected) bytes after the last section")
        }
        for i in 0..<sectionCount {
            let section = UnsafeRawBufferPointer(rebasing: file[offsets[i]..<offsets[i] + lengths[i]])
            guard BlockChecksum.of(section, threads: threads) == u64(headerSize + 24 * i + 16) else {
                throw bad("corrupted: checksum mismatch in section \(i)")
            }
            let padEnd = offsets[i] + (lengths[i] + alignment - 1) / alignment * alignment
            for b in file[(offsets[i] + lengths[i])..<padEnd] where b != 0 {
                throw bad("corrupted: padding after section \(i)")
            }
        }
        let mapping = ColumnMapping(
            file: mapped, count: n, offsets: offsets, currencyOffset: sectionCount > 7 ? offsets[7] : nil)
        // Indices are checked so that no later access can leave the master data.
        let c = mapping.columns
        if let problem = firstBadLine(
            c, partners: partners.count, products: products.count,
            currencies: rates.currencies.count, threads: threads)
        {
            throw bad(problem)
        }
        var columns = TransactionColumns()
        columns.mapping = mapping
        columns.partnerStarts = PartnerGrouping.partnerStarts(ofGrouped: c.partner, partners: partners.count)
        guard let totals = decodeTotals(UnsafeRawBufferPointer(rebasing: file[offsets[5]..<offsets[5] + lengths[5]])),
            let rejects = decodeRejects(UnsafeRawBufferPointer(rebasing: file[offsets[6]..<offsets[6] + lengths[6]]))
        else {
            throw bad("corrupted: control totals or rejects section")
        }
        guard totals.linesAccepted == n, totals.linesRejected == rejects.count else {
            throw bad("corrupted: control totals do not match the lines")
        }
        return (columns, rejects, totals)
    }

    /// What is wrong with the first bad line of mapped columns, or `nil`: every index inside the master
    /// data and the listed currencies, and partners never decreasing (the file says its lines are grouped).
    /// Slices are checked in parallel; the first problem in line order is the one reported.
    /// - Complexity: O(lines).
    static func firstBadLine(_ c: ColumnPointers, partners: Int, products: Int, currencies: Int, threads: Int)
        -> String?
    {
        let n = c.partner.count
        let slices = max(1, min(threads, n / 65_536 + 1))
        // Read-only: the mapped columns are not written while the slices are checked.
        let columns = UnsafeTransfer(c)
        let found = ParallelMap.run(slices, threads: threads) { (slice: Int) -> String? in
            let c = columns.wrappedValue
            let (partnerCount, productCount, listed) = (Int32(partners), Int32(products), UInt8(clamping: currencies))
            for i in slice * n / slices..<(slice + 1) * n / slices {
                if c.partner[i] < 0 || c.partner[i] >= partnerCount || c.product[i] < 0 || c.product[i] >= productCount
                {
                    return "corrupted: line \(i) refers to a partner or product that does not exist"
                }
                if i > 0, c.partner[i] < c.partner[i - 1] { return "corrupted: lines are not grouped by partner" }
                if let currency = c.currency, currency[i] > listed {
                    return "corrupted: line \(i) is in a currency that is not listed"
                }
            }
            return nil
        }
        return found.lazy.compactMap { $0 }.first
    }

    static func encode(_ t: IngestTotals) -> [UInt8] {
        var out: [UInt8] = []
        for v in [
            Int128(t.linesRead), Int128(t.linesAccepted), Int128(t.linesRejected), t.acceptedQuantity.milliUnits,
            t.acceptedAmount.minorUnits, t.rejectedQuantity.milliUnits, t.rejectedAmount.minorUnits,
            Int128(t.rejectedUnreadable),
        ] {
            withUnsafeBytes(of: v.littleEndian) { out += $0 }
        }
        // Per listed currency (SPEC section 11), only when lines were accepted in one: code (16 bytes,
        // zero-padded), lines, decimals, amount as written, book amount.
        for f in t.foreign {
            var code = Array(f.code.utf8.prefix(16))
            code += [UInt8](repeating: 0, count: 16 - code.count)
            out += code
            for v in [Int128(f.lines), Int128(f.decimals), f.amount.minorUnits, f.bookAmount.minorUnits] {
                withUnsafeBytes(of: v.littleEndian) { out += $0 }
            }
        }
        return out
    }

    static func decodeTotals(_ p: UnsafeRawBufferPointer) -> IngestTotals? {
        guard p.count >= 8 * 16, (p.count - 8 * 16) % 80 == 0 else { return nil }
        let v = (0..<8).map { Int128(littleEndian: p.loadUnaligned(fromByteOffset: 16 * $0, as: Int128.self)) }
        var t = IngestTotals()
        guard let read = Int(exactly: v[0]), let accepted = Int(exactly: v[1]), let rejected = Int(exactly: v[2]),
            let unreadable = Int(exactly: v[7])
        else { return nil }
        (t.linesRead, t.linesAccepted, t.linesRejected, t.rejectedUnreadable) = (read, accepted, rejected, unreadable)
        t.acceptedQuantity = Quantity(milliUnits: v[3])
        t.acceptedAmount = Money(minorUnits: v[4])
        t.rejectedQuantity = Quantity(milliUnits: v[5])
        t.rejectedAmount = Money(minorUnits: v[6])
        var o = 8 * 16
        while o < p.count {
            let code = String(
                decoding: UnsafeRawBufferPointer(rebasing: p[o..<o + 16]).prefix { $0 != 0 }, as: UTF8.self)
            let w = (0..<4).map {
                Int128(littleEndian: p.loadUnaligned(fromByteOffset: o + 16 + 16 * $0, as: Int128.self))
            }
            guard let lines = Int(exactly: w[0]), let decimals = Int(exactly: w[1]), (0...6).contains(decimals) else {
                return nil
            }
            var f = ForeignCurrencyTotals(code: code, decimals: decimals)
            (f.lines, f.amount, f.bookAmount) = (lines, Money(minorUnits: w[2]), Money(minorUnits: w[3]))
            t.foreign.append(f)
            o += 80
        }
        return t
    }

    static func encode(_ rejects: [TransactionReject]) -> [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        put(UInt64(rejects.count))
        for r in rejects {
            put(UInt64(r.line))
            for field in [Array(r.file.utf8), Array(r.lineID.utf8), Array(r.reason.utf8), r.raw] {
                put(UInt32(field.count))
                out += field
            }
        }
        return out
    }

    static func decodeRejects(_ p: UnsafeRawBufferPointer) -> [TransactionReject]? {
        var o = 0
        func take(_ k: Int) -> UnsafeRawBufferPointer? {
            guard k >= 0, o + k <= p.count else { return nil }
            defer { o += k }
            return UnsafeRawBufferPointer(rebasing: p[o..<o + k])
        }
        func u64() -> UInt64? { take(8).map { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } }
        func u32() -> UInt32? { take(4).map { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) } }
        guard let count = u64(), count <= UInt64(p.count) else { return nil }
        var out: [TransactionReject] = []
        for _ in 0..<count {
            guard let line = u64(), line <= UInt64(Int.max) else { return nil }
            var fields: [[UInt8]] = []
            for _ in 0..<4 {
                guard let length = u32(), let bytes = take(Int(length)) else { return nil }
                fields.append(Array(bytes))
            }
            out.append(
                TransactionReject(
                    file: String(decoding: fields[0], as: UTF8.self), line: Int(line),
                    lineID: String(decoding: fields[1], as: UTF8.self),
                    reason: String(decoding: fields[2], as: UTF8.self), raw: fields[3]))
        }
        return o == p.count ? out : nil
    }
}

extension ColumnarFile {
    /// Size and modification time (nanoseconds) of a file, or `nil` when it does not exist.
    public static func sourceStamp(_ path: String) -> (size: UInt64, modified: Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_size), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }
}
