#if canImport(Glibc)
import Glibc
#endif

/// Finds the `line_id`s of a few lines known by their values, in the dataset's CSV files.
///
/// The columns the engine reads (CSV or columnar) keep no line ids, so `rebate explain` looks the
/// few lines it shows up in the source files: one pass that reads only the partner field of each
/// record (a hash and a compare) and parses in full just the records of the partners sought.
enum LineLocator {
    /// A line as the columns hold it.
    struct Values: Hashable {
        var partner: Int32
        var product: Int32
        var day: Int32
        var quantity: Int64
        var amount: Int64
    }

    /// For each sought value, the ids of accepted lines holding it, bytewise-smallest first.
    /// - Parameters:
    ///   - partners: the partner indices whose lines are sought.
    ///   - rejects: rejected lines, excluded by their raw text (a duplicate id can repeat an accepted line's values).
    /// - Complexity: O(bytes of the CSV files), in parallel over chunks.
    static func find(
        _ sought: Set<Values>, partners: [Int32], dataset: Dataset, source: TransactionSource,
        rejects: [TransactionReject], threads: Int
    ) throws(RebateError) -> [Values: [String]] {
        guard !sought.isEmpty else { return [:] }
        var partnerOfHash: [UInt64: [(id: [UInt8], index: Int32)]] = [:]
        for p in partners {
            let id = Array(dataset.partners[Int(p)].id.utf8)
            partnerOfHash[hash(id), default: []].append((id, p))
        }
        var productIndex: [[UInt8]: Int32] = [:]
        for (i, p) in dataset.products.enumerated() { productIndex[Array(p.id.utf8)] = Int32(i) }
        var rejected: [[UInt8]: Int] = [:]
        for r in rejects { rejected[r.raw, default: 0] += 1 }
        let decimals = dataset.agreements.decimals
        let currencies = (book: Array(dataset.agreements.currency.utf8), rates: dataset.rates)
        let (partnerTable, productTable) = (partnerOfHash, productIndex)

        var found: [(Values, String, [UInt8])] = []
        for name in source.files {
            let file = try FileBytes(path: source.path(name))
            try withExtendedLifetime(file) { () throws(RebateError) in
                let bytes = file.buffer
                let source = TransactionCSVReader.SourceFile(name: name, bytes: bytes)
                guard case .success(let header) = TransactionCSVReader.header(source) else { return }
                // The reader's own cuts, just after line breaks. A quoted line break may cut a record in
                // two: its halves do not parse as lines of the partners sought, so at worst such a rare
                // record is not found (the figures never depend on it).
                let chunkBytes = max(1 << 16, (bytes.count - header.bodyStart) / max(1, threads * 4))
                let chunks = TransactionCSVReader.cut([source], headers: [header], chunkBytes: chunkBytes).map {
                    $0.from..<$0.to
                }
                let shared = UnsafeTransfer(bytes) // read-only: the mapping outlives the workers
                let releases = file.isMapped
                let byChunk = try ParallelMap.run(chunks.count, threads: threads) { c throws(RebateError) in
                    var mine: [(Values, String, [UInt8])] = []
                    scan(
                        shared.wrappedValue, chunks[c], header: header, partners: partnerTable,
                        products: productTable, decimals: decimals, currencies: currencies, sought: sought,
                        into: &mine)
                    // Read once: drop the chunk's pages from this process (they stay in the page cache).
                    if releases { FileBytes.release(shared.wrappedValue, chunks[c]) }
                    return mine
                }
                found += byChunk.joined()
            }
        }
        var out: [Values: [String]] = [:]
        for (values, id, raw) in found {
            if let n = rejected[raw], n > 0 {
                rejected[raw] = n - 1
                continue
            }
            out[values, default: []].append(id)
        }
        for key in out.keys { out[key]!.sort(by: Bytewise.less) }
        return out
    }

    /// The id look-up hash of some bytes, as the reader's tables compute it.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { ByteKeyTable.hash($0, 0, $0.count) }
    }

    /// A line's amount in the book currency, converted as the reader converts it (SPEC section 11).
    private static func bookAmount(
        _ written: [UInt8], day: Int32, scanner: CSVScanner, fields: [CSVField],
        header: (columns: [Int], fieldCount: Int, bodyStart: Int), decimals: Int,
        currencies: (book: [UInt8], rates: ExchangeRates)
    ) -> Int64? {
        let code = header.columns[6] >= 0 ? scanner.fieldBytes(fields[header.columns[6]]) : []
        if code.isEmpty || code == currencies.book {
            guard
                case .success(let a) = written.withUnsafeBufferPointer({
                    DecimalText.parse($0, from: 0, to: $0.count, maxFraction: decimals, scale: decimals)
                })
            else { return nil }
            return a
        }
        guard let c = code.withUnsafeBufferPointer({ currencies.rates.index(of: $0, 0, $0.count) }) else { return nil }
        let dc = currencies.rates.currencies[c - 1].decimals
        guard
            case .success(let a) = written.withUnsafeBufferPointer({
                DecimalText.parse($0, from: 0, to: $0.count, maxFraction: dc, scale: dc)
            })
        else { return nil }
        let own = header.columns[7] >= 0 ? scanner.fieldBytes(fields[header.columns[7]]) : []
        var ownRate: ExchangeRate?
        if !own.isEmpty {
            guard case .success(let r) = own.withUnsafeBufferPointer({ ExchangeRate.parse($0, 0, $0.count) }) else {
                return nil
            }
            ownRate = r
        }
        guard
            case .success(let book) = currencies.rates.convert(
                a, currency: c, day: day, ownRate: ownRate, bookDecimals: decimals)
        else { return nil }
        return book
    }

    // One piece: the per-record loop keeps its cursor in locals; only records of the partners sought leave it.
    private static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
        header: (columns: [Int], fieldCount: Int, bodyStart: Int),
        partners: [UInt64: [(id: [UInt8], index: Int32)]], products: [[UInt8]: Int32], decimals: Int,
        currencies: (book: [UInt8], rates: ExchangeRates), sought: Set<Values>,
        into found: inout [(Values, String, [UInt8])]
    ) {
        let newline = UInt8(ascii: "\n")
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let partnerColumn = header.columns[2]
        var fields: [CSVField] = []
        var position = range.lowerBound
        guard let base = bytes.baseAddress else { return }
        while position < range.upperBound {
            let rest = range.upperBound - position
            let hit = memchr(base + position, Int32(newline), rest)
            let end = hit.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? range.upperBound
            defer { position = end + 1 }
            var recordEnd = end
            if recordEnd > position, bytes[recordEnd - 1] == UInt8(ascii: "\r") { recordEnd -= 1 }
            if recordEnd == position { continue }
            let quoted = memchr(base + position, Int32(quote), recordEnd - position) != nil
            if !quoted {
                // The partner field alone: skip to it by commas.
                var f = 0
                var s = position
                while f < partnerColumn, s < recordEnd {
                    if bytes[s] == comma { f += 1 }
                    s += 1
                }
                var e = s
                while e < recordEnd, bytes[e] != comma { e += 1 }
                let field = UnsafeBufferPointer(rebasing: bytes[s..<e])
                guard let candidates = partners[ByteKeyTable.hash(bytes, s, e)],
                    candidates.contains(where: { $0.id.elementsEqual(field) })
                else { continue }
            }
            // A record of a partner sought (or one with quotes): read it in full.
            var scanner = CSVScanner(bytes: bytes, position: position, line: 0)
            scanner.expectedFields = header.fieldCount
            guard let record = scanner.next(fields: &fields), record.error == nil, fields.count == header.fieldCount
            else { continue }
            let text = header.columns.prefix(TransactionCSVReader.requiredColumns.count).map {
                scanner.fieldBytes(fields[$0])
            }
            guard let partner = partners[hash(text[2])]?.first(where: { $0.id == text[2] })?.index,
                let product = products[text[3]],
                let day = text[1].withUnsafeBufferPointer({ CivilDate.parse($0[...]) })?.dayNumber,
                case .success(let quantity) = text[4].withUnsafeBufferPointer({
                    DecimalText.parse($0, from: 0, to: $0.count, maxFraction: 3, scale: 3)
                }),
                let amount = bookAmount(
                    text[5], day: day, scanner: scanner, fields: fields, header: header, decimals: decimals,
                    currencies: currencies)
            else { continue }
            let values = Values(partner: partner, product: product, day: day, quantity: quantity, amount: amount)
            guard sought.contains(values) else { continue }
            found.append(
                (
                    values, String(decoding: text[0], as: UTF8.self),
                    Array(UnsafeBufferPointer(rebasing: bytes[record.start..<record.end]))
                ))
        }
    }
}
