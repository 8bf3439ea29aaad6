import Testing

@testable import RebateEngine

/// The fused path for files in the canonical column order changes speed only: the same lines read
/// with their columns in another order (which the general paths read) give the same accepted lines,
/// the same rejects with the same reasons, and the same totals.
@Suite struct CanonicalPathTests {
    static let partners = ["P1", "P2", "PARTNER-000000000001", "PARTNER-000000000002", "P\u{0}"].map {
        Partner(id: $0, name: "")
    }
    static let products = ["A", "SKU-00001", "SKU-000000000000001", "SKU-0000000000000010"].map {
        Product(id: $0, name: "", category: "C")
    }
    static let ids = [
        "L1", "L2", "", String(repeating: "L", count: 64), String(repeating: "M", count: 65), "Lé", "L\"q",
    ]
    static let dates = [
        "2026-01-31", "2024-02-29", "2026-02-29", "2026-04-30", "2026-04-31", "2026-13-01", "2026-00-10",
        "1900-01-01", "1899-12-31", "2999-12-31", "3000-01-01", "2026-1-05", "2026/01/05", "2026-01-00",
    ]
    static let partnerFields = [
        "P1", "P2", "PARTNER-000000000001", "PARTNER-000000000002", "PARTNER-00000000000", "PX", "", "p1",
    ]
    static let productFields = [
        "A", "SKU-00001", "SKU-000000000000001", "SKU-0000000000000010", "SKU-0000000000000011", "B",
    ]
    static let quantities = [
        "1", "-2", "0", "1.5", "1.234", "1.2345", "001", "0000000000000012", "1000000000000", "999999999999.999",
        ".5", "5.", "1e3", "+1", "-0", "", "--1",
    ]
    static let amounts = [
        "1.00", "-3.50", "0", "12.5", "12.345", "0.001", "-0", "999999999999.99", "1000000000000.00", "7.", "x",
    ]

    static let currencies = ["", "", "", "EUR", "USD", "JPY", "JPY", "XXX", "eur"]

    /// Random lines from the pools above, each with its fields in canonical order (and a currency
    /// when `currency`).
    static func lines(seed: UInt64, count: Int, currency: Bool = false) -> [[String]] {
        var rng = SplitMix(seed: seed)
        func pick(_ pool: [String]) -> String { pool[Int(rng.next() % UInt64(pool.count))] }
        var made: [[String]] = []
        for n in 0..<count {
            // Mostly plain good lines, so that duplicates and sums have something to work on.
            let plain = rng.next() % 3 == 0
            let id = plain ? "L\(n)" : (rng.next() % 4 == 0 ? "L\(rng.next() % UInt64(n + 1))" : pick(ids))
            made.append(
                [
                    id, plain ? "2026-03-1\(n % 10)" : pick(dates), plain ? "P2" : pick(partnerFields),
                    plain ? "SKU-00001" : pick(productFields), plain ? "\(n % 7 + 1)" : pick(quantities),
                    plain ? "\(n).25" : pick(amounts),
                ] + (currency ? [plain ? ["", "EUR", "USD"][n % 3] : pick(currencies)] : []))
        }
        return made
    }

    /// The lines as a file with the columns in `order` (indices into the canonical order).
    static func file(_ lines: [[String]], order: [Int], crlf: Bool) -> [UInt8] {
        let names = ["line_id", "date", "partner_id", "product_id", "quantity", "amount", "currency"]
        let end = crlf ? "\r\n" : "\n"
        var text = order.map { names[$0] }.joined(separator: ",") + end
        for (k, line) in lines.enumerated() {
            text += order.map { line[$0] }.joined(separator: ",")
            if k < lines.count - 1 || crlf { text += end }
        }
        return Array(text.utf8)
    }

    static func read(_ bytes: [UInt8], chunkBytes: Int) throws -> TransactionCSVReader.Output {
        var bytes = bytes
        return try bytes.withUnsafeMutableBufferPointer { b in
            var reader = TransactionCSVReader(partners: partners, products: products, decimals: 2, threads: 2)
            reader.chunkBytes = chunkBytes
            // EUR books; USD at 0.9 from 1900 on; JPY (no decimals) at 0.0061 from 2026-03-12, so
            // earlier JPY lines have no rate (SPEC section 11).
            reader.bookCurrency = Array("EUR".utf8)
            reader.rates = ExchangeRates(
                currencies: [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)],
                rates: [
                    "USD": [(CivilDate("1900-01-01")!, ExchangeRate(scaled: 9_000_000_000))],
                    "JPY": [(CivilDate("2026-03-12")!, ExchangeRate(scaled: 61_000_000))],
                ])
            return try reader.read(UnsafeBufferPointer(b), fileName: "transactions.csv")
        }
    }

    @Test(arguments: [(UInt64(1), false), (2, true), (3, false)])
    func canonicalOrderReadsLikeAnyOther(seed: UInt64, crlf: Bool) throws {
        let lines = Self.lines(seed: seed, count: 3000)
        let canonical = try Self.read(Self.file(lines, order: [0, 1, 2, 3, 4, 5], crlf: crlf), chunkBytes: 4096)
        let other = try Self.read(Self.file(lines, order: [5, 4, 3, 2, 1, 0], crlf: crlf), chunkBytes: 4096)
        // Both kinds of line are there in numbers, so the comparison means something.
        #expect(canonical.totals.linesAccepted > 1000)
        #expect(canonical.rejects.count > 500)
        #expect(canonical.totals == other.totals)
        #expect(canonical.rejects.map(\.line) == other.rejects.map(\.line))
        #expect(canonical.rejects.map(\.lineID) == other.rejects.map(\.lineID))
        #expect(canonical.rejects.map(\.reason) == other.rejects.map(\.reason))
        #expect(canonical.columns.partner == other.columns.partner)
        #expect(canonical.columns.product == other.columns.product)
        #expect(canonical.columns.day == other.columns.day)
        #expect(canonical.columns.quantity == other.columns.quantity)
        #expect(canonical.columns.amount == other.columns.amount)
    }

    /// The same with a `currency` column (the v3 export): book lines (empty or `EUR`) and listed
    /// currencies with a rate (converted at it) take the fused path; unknown codes, dates before a
    /// currency's first rate and too many decimals for a currency go to the general path, rejected.
    @Test(arguments: [(UInt64(4), false), (5, true)])
    func canonicalOrderWithCurrencyReadsLikeAnyOther(seed: UInt64, crlf: Bool) throws {
        let lines = Self.lines(seed: seed, count: 3000, currency: true)
        let canonical = try Self.read(Self.file(lines, order: [0, 1, 2, 3, 4, 5, 6], crlf: crlf), chunkBytes: 4096)
        let other = try Self.read(Self.file(lines, order: [6, 5, 4, 3, 2, 1, 0], crlf: crlf), chunkBytes: 4096)
        #expect(canonical.totals.linesAccepted > 900)
        #expect(canonical.totals.foreign.map(\.code) == ["JPY", "USD"] && canonical.totals.foreign[1].lines > 200)
        #expect(canonical.totals.foreign[0].lines > 0)
        #expect(canonical.rejects.contains { $0.reason.contains("unknown currency") })
        #expect(canonical.rejects.contains { $0.reason.contains("no exchange rate for JPY") })
        #expect(canonical.rejects.contains { $0.reason.contains("more than 0 decimal places") })
        #expect(canonical.totals == other.totals)
        #expect(canonical.rejects.map(\.line) == other.rejects.map(\.line))
        #expect(canonical.rejects.map(\.reason) == other.rejects.map(\.reason))
        #expect(canonical.columns.partner == other.columns.partner)
        #expect(canonical.columns.day == other.columns.day)
        #expect(canonical.columns.quantity == other.columns.quantity)
        #expect(canonical.columns.amount == other.columns.amount)
        #expect(canonical.columns.currency == other.columns.currency)
    }

    /// A few lines worked by hand, read through the fused path.
    @Test func handWorkedLines() throws {
        let text =
            "line_id,date,partner_id,product_id,quantity,amount\n"
            + "L1,2024-02-29,PARTNER-000000000002,SKU-0000000000000010,1.5,-0\n"
            + "L2,2026-03-01,P\u{0},A,-2,-3.50\r\n"
            + "L3,2026-02-29,P1,A,1,1.00\n"
            + "L4,1900-01-01,P1,SKU-000000000000001,0000000000000012,7"
        let r = try Self.read(Array(text.utf8), chunkBytes: 1 << 20)
        #expect(r.rejects.map(\.line) == [4])
        // Grouped by partner: P1 (L4), PARTNER-...2 (L1), P\0 (L2).
        #expect(r.columns.partner == [0, 3, 4])
        #expect(r.columns.product == [2, 3, 0])
        // 1900-01-01 is 25,567 days before 1970-01-01; 2024-02-29 is day 19,782; 2026-03-01 day 20,513.
        #expect(r.columns.day == [-25_567, 19_782, 20_513])
        #expect(r.columns.quantity == [12_000, 1_500, -2_000])
        #expect(r.columns.amount == [700, 0, -350])
    }

    /// The id look-up against a dictionary: keys of every length to 40, sharing long prefixes,
    /// with zero bytes, looked up as they are and changed in one byte or one length.
    @Test func idLookupAgreesWithADictionary() {
        var keys: [[UInt8]] = []
        for n in 1...40 {
            keys.append(Array(repeating: 65, count: n))
            keys.append(Array(repeating: 65, count: n - 1) + [0])
            keys.append(Array(repeating: 0, count: n))
        }
        var table = ByteKeyTable(capacity: keys.count)
        var expected: [[UInt8]: Int32] = [:]
        for (i, k) in keys.enumerated() where expected[k] == nil {
            expected[k] = Int32(i)
            k.withUnsafeBufferPointer { _ = table.insert($0, 0, $0.count, value: Int32(i)) }
        }
        var probes = keys
        for k in keys {
            for i in k.indices {
                var changed = k
                changed[i] &+= 1
                probes.append(changed)
            }
            probes.append(k + [65])
            probes.append(Array(k.dropLast()))
        }
        table.withLookup { lookup in
            for probe in probes {
                // At an odd offset in a longer buffer, so neither end is aligned.
                let buffer = [7, 7, 7] + probe + [9, 9]
                let found = buffer.withUnsafeBufferPointer { lookup.find($0, 3, 3 + probe.count) }
                #expect(found == expected[probe] ?? -1, "\(probe)")
            }
        }
    }

    /// The look-up of numbered ids (one prefix, then a fixed count of digits) against a dictionary:
    /// every key, every key changed in one byte up or down, one byte longer or shorter, and the numbers
    /// just outside the range and in its gaps. Sparse or mixed-length keys take the hash table.
    @Test func numberedIDLookupAgreesWithADictionary() {
        func ids(_ prefix: String, _ digits: Int, _ numbers: [Int]) -> [[UInt8]] {
            numbers.map { n in
                let text = String(n)
                return Array((prefix + String(repeating: "0", count: digits - text.count) + text).utf8)
            }
        }
        let gappy = (0..<500).filter { $0 % 7 != 3 }
        let cases: [(keys: [[UInt8]], numbered: Bool)] = [
            (ids("P", 6, gappy), true),
            (ids("SKU-", 5, Array(10_000...10_300)), true),
            (ids("", 4, Array(0...999)), true),
            (ids("C9", 3, [5]), true),
            (ids("P", 7, [0, 1_000_000]), false),
            (ids("P", 6, gappy) + [Array("P12345".utf8)], false),
        ]
        for (keys, numbered) in cases {
            var table = ByteKeyTable(capacity: keys.count)
            var expected: [[UInt8]: Int32] = [:]
            for (i, k) in keys.enumerated() {
                expected[k] = Int32(i)
                k.withUnsafeBufferPointer { _ = table.insert($0, 0, $0.count, value: Int32(i)) }
            }
            let shape = keys[0]
            let digits = shape.count - shape.prefix { !(48...57).contains($0) }.count
            let prefix = String(decoding: shape.prefix(shape.count - digits), as: UTF8.self)
            var probes =
                keys + ids(prefix, digits, [0, 3, 9_999, 99_999, 999_999].filter { String($0).count <= digits })
            for k in keys {
                for i in k.indices {
                    for delta: UInt8 in [1, 255] {
                        var changed = k
                        changed[i] &+= delta
                        probes.append(changed)
                    }
                }
                probes.append(k + [48])
                probes.append(Array(k.dropLast()))
            }
            table.withLookup { lookup in
                #expect((lookup.numbered != nil) == numbered, "\(String(decoding: shape, as: UTF8.self))")
                for probe in probes {
                    let buffer = [7, 7, 7] + probe + [9, 9]
                    let found = buffer.withUnsafeBufferPointer { lookup.find($0, 3, 3 + probe.count) }
                    #expect(found == expected[probe] ?? -1, "\(String(decoding: probe, as: UTF8.self))")
                }
            }
        }
    }

    /// The fused path's number reader (`DecimalText.parsePrefix`) against a reading written here:
    /// numbers of 0 to 14 integer digits and 0 to 9 fraction digits, signed or not, followed by every
    /// kind of byte (the digits' neighbours `/` and `:`, a second point, bytes from 0xF6 up), read with
    /// 0 to 4 fraction digits allowed, the buffer ending anywhere after the number. (Kept from a
    /// reader that took eight bytes at a time, tried and reverted: see docs/performance.md.)
    @Test func fusedNumberReaderEqualsADigitByDigitReading() {
        /// `-?d{1,12}(.d{1,maxFraction})?` scaled by 10^maxFraction, and where it ends; nil otherwise.
        func reference(_ b: [UInt8], _ start: Int, _ maxFraction: Int) -> (Int64, Int)? {
            func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= 48 && b[i] <= 57 }
            var i = start
            let negative = i < b.count && b[i] == 45
            if negative { i += 1 }
            var value: Int64 = 0
            var integerDigits = 0
            while isDigit(i) {
                value = value * 10 + Int64(b[i] - 48)
                integerDigits += 1
                i += 1
                if integerDigits > 12 { return nil }
            }
            guard integerDigits > 0 else { return nil }
            var fractionDigits = 0
            if i < b.count, b[i] == 46 {
                i += 1
                while isDigit(i) {
                    fractionDigits += 1
                    if fractionDigits > maxFraction { return nil }
                    value = value * 10 + Int64(b[i] - 48)
                    i += 1
                }
                guard fractionDigits > 0 else { return nil }
            }
            for _ in fractionDigits..<maxFraction { value *= 10 }
            return (negative ? -value : value, i)
        }
        var rng = SplitMix(seed: 23)
        let tails: [[UInt8]] = [
            [], [44], [10], [13, 10], [47], [58], [46], [46, 53], [0xF6], [0xFF, 0xFF], [65], [34],
        ]
        var checked = 0
        for integerDigits in 0...14 {
            for fractionDigits in 0...9 {
                for _ in 0..<12 {
                    var text: [UInt8] = rng.next() % 3 == 0 ? [45] : []
                    for k in 0..<integerDigits { text.append(48 + UInt8((rng.next() % 10) | (k == 0 ? 1 : 0))) }
                    if fractionDigits > 0 || rng.next() % 8 == 0 { text.append(46) }
                    for _ in 0..<fractionDigits { text.append(48 + UInt8(rng.next() % 10)) }
                    let tail = tails[Int(rng.next() % UInt64(tails.count))]
                    let padding = (0..<Int(rng.next() % 20)).map { _ in UInt8(rng.next() % 256) }
                    let buffer = [7, 7, 7] + text + tail + padding
                    for maxFraction in 0...4 {
                        // Cut the buffer anywhere from right after the number to its whole length.
                        for end in (3 + text.count)...buffer.count {
                            let visible = Array(buffer[..<end])
                            let got = visible.withUnsafeBufferPointer {
                                DecimalText.parsePrefix($0.baseAddress!, 3, end, maxFraction: maxFraction)
                            }
                            let want = reference(visible, 3, maxFraction)
                            #expect(got?.0 == want?.0 && got?.1 == want?.1, "\(visible) maxFraction \(maxFraction)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 100_000)
    }
}
