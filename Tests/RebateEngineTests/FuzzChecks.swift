// scripts/fuzz.sh compiles this file into one module with the library's sources (-D FUZZ_SINGLE_MODULE);
// the tests build it against the library.
#if !FUZZ_SINGLE_MODULE
@testable import RebateEngine
#endif

/// The properties the fuzz targets check, kept beside the tests (not in the library) so the normal
/// tests replay every saved fuzz input through exactly the same checks the fuzzer ran.
/// Each returns a description of the broken property, or `nil`.
enum FuzzChecks {
    static let partners = [Partner(id: "P1", name: "A"), Partner(id: "P2", name: "B", groupID: "G")]
    static let products = [
        Product(id: "A", name: "W", category: "C1", palletQuantity: Quantity(units: 10)),
        Product(id: "B", name: "G", category: "C2"),
    ]

    /// Every target, by the name `REBATE_FUZZ_TARGET`, `scripts/fuzz.sh` and `fuzz/seeds/` use.
    static let targets = ["csv", "decimal", "agreements", "ledger", "folder", "merge", "window", "rates", "claims"]

    /// Checks `data` with the target named `target` (one of ``targets``).
    static func check(_ target: String, _ data: [UInt8]) -> String? {
        switch target {
        case "csv": return csv(data)
        case "decimal": return decimal(data)
        case "agreements": return agreements(data)
        case "ledger": return ledger(data)
        case "folder": return folder(data)
        case "merge": return merge(data)
        case "window": return window(data)
        case "rates": return rates(data)
        case "claims": return claims(data)
        default: return "no fuzz target named \(target)"
        }
    }

    /// The CSV reader: never crashes; read = accepted + rejected; and the same
    /// result whatever the chunk size (the first input byte picks one).
    static func csv(_ data: [UInt8]) -> String? {
        let chunk = 1 + Int(data.first ?? 0) % 64
        let header = Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8)
        let bytes = header + data.dropFirst()
        func read(_ chunkBytes: Int, _ threads: Int) -> TransactionCSVReader.Output? {
            bytes.withUnsafeBufferPointer { b in
                var reader = TransactionCSVReader(partners: partners, products: products, decimals: 2, threads: threads)
                reader.chunkBytes = chunkBytes
                return try? reader.read(b, fileName: "transactions.csv")
            }
        }
        guard let whole = read(1 << 20, 1), let cut = read(chunk, 2) else { return "the header was refused" }
        let t = whole.totals
        if t.linesRead != t.linesAccepted + t.linesRejected {
            return "read \(t.linesRead) != accepted \(t.linesAccepted) + rejected \(t.linesRejected)"
        }
        if whole.rejects.count != t.linesRejected { return "rejects list and count differ" }
        if whole.columns.count != t.linesAccepted { return "columns and accepted count differ" }
        if cut.rejects != whole.rejects || cut.totals != whole.totals || cut.columns.quantity != whole.columns.quantity
        {
            return "chunk size \(chunk) changed the result"
        }
        return nil
    }

    /// `rates.csv` (SPEC section 11): never crashes; an accepted file gives every listed currency a
    /// rate above 0 from its first date on, none before, and each rate as written holds on its own date;
    /// and a foreign line converts the same as the exact product rounded half away from zero.
    static func rates(_ data: [UInt8]) -> String? {
        let listed = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        guard
            let table = try? data.withUnsafeBufferPointer({
                try RatesFile.parse($0, currencies: listed)
            })
        else { return nil }
        for (k, given) in table.given.enumerated() {
            guard let first = given.first else { continue }
            if table.rate(currency: k + 1, day: first.day - 1) != nil { return "a rate before the first date" }
            for g in given {
                if g.rate.scaled <= 0 { return "a rate of 0 or less was accepted" }
                if table.rate(currency: k + 1, day: g.day) != g.rate { return "a rate does not hold on its own date" }
                // 123.45 at the rate, by the definition: round(12345 x rate / 10^(2 + 10 - 2)).
                let exact = DecimalText.roundedQuotient(Int128(12_345) * Int128(g.rate.scaled), 10_000_000_000)
                let converted = ExchangeRates.bookAmount(12_345, decimals: 2, rate: g.rate, bookDecimals: 2)
                if converted != exact { return "conversion differs from the exact product" }
            }
        }
        return nil
    }

    /// The claims reader and the decisions (SPEC section 12): never crashes; every received claim gets one
    /// status, approvals never exceed what a period earned, and deciding twice gives the same rows.
    static func claims(_ data: [UInt8]) -> String? {
        let decimals = Int(data.first ?? 0) % 3
        guard
            let rows = try? Array(data.dropFirst()).withUnsafeBufferPointer({
                try ClaimsFile.parse($0, fileName: "claims.csv", decimals: decimals)
            })
        else { return nil }
        var agreement = Agreement(
            id: "A", program: .volume, beneficiary: .partner("P1"), start: CivilDate("2026-01-01")!,
            end: CivilDate("2026-12-31")!, settlement: .quarter, basis: .quantity, valueKind: .perUnit,
            tiers: [Tier(from: 0, value: 10_000)])
        agreement.payment = .onClaim
        let set = AgreementSet(currency: "EUR", decimals: decimals, agreements: [agreement])
        let earned: [LedgerRow.Key: Int128] = [
            LedgerRow.Key(
                agreementID: "A", start: CivilDate("2026-01-01")!.dayNumber, end: CivilDate("2026-03-31")!.dayNumber):
                100
        ]
        let asOf = CivilDate("2026-06-30")!
        let once = ClaimsOutcome.decide(rows, agreements: set, earned: earned, asOf: asOf, decimals: decimals)
        let twice = ClaimsOutcome.decide(rows, agreements: set, earned: earned, asOf: asOf, decimals: decimals)
        if once.decisions != twice.decisions { return "deciding again changed the decisions" }
        if once.decisions.count + once.notYetReceived != rows.count { return "a claim was lost" }
        do { try once.verify(earned: earned) } catch { return "\(error)" }
        return nil
    }

    /// The decimal parser: never crashes; what it accepts prints back to the same value.
    static func decimal(_ data: [UInt8]) -> String? {
        let maxFraction = Int(data.first ?? 0) % 7
        let body = Array(data.dropFirst())
        let result = body.withUnsafeBufferPointer {
            DecimalText.parse($0, from: 0, to: $0.count, maxFraction: maxFraction, scale: maxFraction)
        }
        guard case .success(let v) = result else { return nil }
        if v.magnitude >= 1_000_000_000_000 * UInt64(DecimalText.powersOfTen[maxFraction]) {
            return "accepted \(v), beyond 10^12"
        }
        let text = DecimalText.plain(Int128(v), scale: maxFraction)
        guard case .success(let again) = DecimalText.parse(text, maxFraction: maxFraction, scale: maxFraction),
            again == v
        else {
            return "\(v) printed as \(text) does not read back"
        }
        return nil
    }

    /// The agreements decoder: never crashes; what it accepts encodes and decodes to the same set.
    static func agreements(_ data: [UInt8]) -> String? {
        let master = MasterDataIndex(partners: partners, products: products)
        guard let set = try? AgreementSet(json: data, master: master) else { return nil }
        guard let again = try? AgreementSet(json: set.jsonBytes(), master: master) else {
            return "its own encoding was refused"
        }
        if again.agreements != set.agreements || again.decimals != set.decimals || again.currency != set.currency {
            return "round trip changed it"
        }
        // And the engine runs on it without trapping.
        _ = try? AccrualEngine.run(
            Dataset(partners: partners, products: products, agreements: set, transactions: TransactionColumns()),
            options: AccrualOptions(threads: 1))
        return nil
    }

    /// The ledger reader: never crashes; what it accepts writes back (as `rebate close` writes a
    /// ledger) to the same rows; and closing against no report reverses all of it, reconciled.
    static func ledger(_ data: [UInt8]) -> String? {
        let decimals = Int(data.first ?? 0) % 4
        let bytes = Array(data.dropFirst())
        guard
            let rows = try? bytes.withUnsafeBufferPointer({
                try LedgerFile.parse($0, fileName: "ledger.csv", decimals: decimals)
            })
        else { return nil }
        let report = AccrualReport(
            currency: "EUR", decimals: decimals, asOf: CivilDate("2026-06-30"), accruals: [], settlements: [],
            statements: [], anomalies: [], linesAfterAsOf: 0)
        var close = MonthEndClose(
            month: CivilDate("2026-06-01")!, asOf: CivilDate("2026-06-30")!, report: report, journal: [], payments: [],
            ledger: rows, totals: CloseTotals())
        let text = close.ledgerCSV()
        guard
            let again = try? text.withUnsafeBufferPointer({
                try LedgerFile.parse($0, fileName: "x", decimals: decimals)
            })
        else { return "its own ledger.csv was refused" }
        if Set(again) != Set(rows) { return "ledger round trip changed it" }
        do {
            close = try MonthEndClose.reconcile(
                report, agreements: AgreementSet(currency: "EUR", decimals: decimals, agreements: []), ledger: rows)
        } catch {
            return "reconcile failed: \(error)"
        }
        if !close.ledger.isEmpty || close.totals.accruedAfter != .zero || !close.totals.reconciles {
            return "a ledger matching nothing was not reversed to zero"
        }
        return nil
    }

    /// The transactions folder: cut into files between records (the input picks which), it reads
    /// as the one file: same totals, rejects and columns.
    ///
    /// The cuts are where the scanner itself ends records in the whole file: a line break inside a
    /// quote, or after a malformed quote, is not a record boundary, and SPEC section 1 speaks of
    /// the same lines in the same order.
    static func folder(_ data: [UInt8]) -> String? {
        let header = Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8)
        let seed = UInt64(data.first ?? 0)
        let body = Array(data.dropFirst())
        var cuts: [Int] = []
        (header + body).withUnsafeBufferPointer { b in
            var scanner = CSVScanner(bytes: b)
            var fields: [CSVField] = []
            _ = scanner.next(fields: &fields)
            scanner.expectedFields = 6 // as the reader scans
            while scanner.next(fields: &fields) != nil {
                let end = scanner.position - header.count
                if end > 0, end < body.count, body[end - 1] == 10, (UInt64(end) &* 0x9E37_79B9 ^ seed) % 3 == 0 {
                    cuts.append(end)
                }
            }
        }
        let bounds = [0] + cuts + [body.count]
        let pieces = zip(bounds, bounds.dropFirst()).map { header + body[$0..<$1] }
        let whole = header + body
        func read(_ files: [[UInt8]]) -> TransactionCSVReader.Output? {
            // All files in one buffer, each a slice of it, so no pointer outlives its scope.
            let all = files.flatMap { $0 }
            return all.withUnsafeBufferPointer { b in
                var start = 0
                let sources = files.enumerated().map { i, file in
                    defer { start += file.count }
                    return TransactionCSVReader.SourceFile(
                        name: "f\(i).csv", bytes: UnsafeBufferPointer(rebasing: b[start..<start + file.count]))
                }
                let reader = TransactionCSVReader(partners: partners, products: products, decimals: 2, threads: 2)
                return try? reader.read(sources)
            }
        }
        guard let one = read([whole]), let many = read(pieces) else { return "a header was refused" }
        if one.totals != many.totals { return "\(pieces.count) files changed the totals" }
        if one.rejects.count != many.rejects.count { return "\(pieces.count) files changed the rejects" }
        if one.columns.quantity != many.columns.quantity || one.columns.day != many.columns.day {
            return "\(pieces.count) files changed the lines"
        }
        return nil
    }

    /// What merge reads back: any bytes as an output table never crash the parsers, and a decimal
    /// it accepts prints back the same.
    static func merge(_ data: [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") {
            for field in line.split(separator: ",") {
                let scale = Int(data.first ?? 0) % 4
                guard let v = DecimalText.parseWide(String(field), scale: scale) else { continue }
                let printed = DecimalText.money(v, decimals: scale)
                if DecimalText.parseWide(printed, scale: scale) != v {
                    return "\(field) read as \(v) prints as \(printed)"
                }
            }
        }
        let table = OutputTable(
            header: AccrualReport.accrualsHeader,
            rows: text.split(separator: "\n").map { line in
                (line.split(separator: ",", omittingEmptySubsequences: false).map(String.init), Array(line.utf8))
            })
        _ = try? MergeJob.rebuildReport(
            ["accruals.csv": table, "settlements.csv": table, "statements.csv": table, "anomalies.csv": table],
            currency: "EUR", decimals: 2, asOf: nil)
        return nil
    }

    /// The split's streamed read: with chunk and window sizes of a few bytes (the input picks
    /// them), it finds the records and rejects of one whole read, duplicates aside (the split
    /// finds those across windows), and ends every record where the scanner does.
    static func window(_ data: [UInt8]) -> String? {
        let header = Array("line_id,date,partner_id,product_id,quantity,amount\n".utf8)
        let seed = Int(data.first ?? 0)
        let whole = header + Array(data.dropFirst())
        return whole.withUnsafeBufferPointer { b -> String? in
            let source = [TransactionCSVReader.SourceFile(name: "t.csv", bytes: b)]
            var reader = TransactionCSVReader(partners: partners, products: products, decimals: 2, threads: 2)
            reader.output = .both
            guard let one = try? reader.read(source) else { return nil }
            reader.chunkBytes = 1 + seed % 61
            var records: [TransactionCSVReader.AcceptedRecord] = []
            var rejects: [TransactionReject] = []
            var totals = IngestTotals()
            do throws(RebateError) {
                try reader.stream(source, windowBytes: (seed / 61 + 1) * 23) { w in
                    records += w.records
                    rejects += w.rejects
                    totals.add(w.totals)
                }
            } catch {
                return "the stream refused what the read took: \(error)"
            }
            let duplicates = one.rejects.filter { $0.reason.hasPrefix("line_id: duplicate") }
            let others = one.rejects.filter { !$0.reason.hasPrefix("line_id: duplicate") }
            if rejects.map(\.line) != others.map(\.line) || rejects.map(\.raw) != others.map(\.raw) {
                return "windows changed the rejects"
            }
            if records.count != one.records.count + duplicates.count || totals.linesRead != one.totals.linesRead {
                return "windows changed the accepted lines"
            }
            if !Set(one.records.map(\.start)).isSubset(of: records.map(\.start)) {
                return "windows moved a record"
            }
            var scanner = CSVScanner(bytes: b)
            var fields: [CSVField] = []
            for r in records {
                scanner.seek(to: r.start, line: 0)
                scanner.expectedFields = 6
                guard let found = scanner.next(fields: &fields), found.end == r.end else {
                    return "a record's end differs from the scanner's"
                }
            }
            return nil
        }
    }
}
