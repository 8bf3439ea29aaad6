import Foundation
import RebateGenerator
import Testing

@testable import RebateEngine

/// SPEC v3 section 11: lines in other currencies, converted once per line; every figure by hand.
@Suite struct CurrencyTests {
    static let rates = """
        currency,date,rate
        USD,2026-01-15,0.8765
        USD,2026-01-01,0.9
        JPY,2026-01-01,0.0061
        KWD,2026-01-01,2.95

        """

    /// A dataset whose book currency is EUR (2 decimals) and lists USD (2), JPY (0) and KWD (3).
    static func folder(_ transactions: String, agreements: [String]? = nil, rates: String? = Self.rates) -> String {
        var json = Fixture.agreements(agreements ?? [Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)])
        json = json.replacingOccurrences(
            of: #""decimals": 2,"#, with: #""decimals": 2, "currencies": {"USD": 2, "JPY": 0, "KWD": 3},"#)
        let dir = Fixture.folder(agreements: json, transactions: transactions)
        if let rates { try! rates.write(toFile: dir + "/rates.csv", atomically: true, encoding: .utf8) }
        return dir
    }

    static let lines = """
        line_id,date,partner_id,product_id,quantity,amount,currency,rate
        L1,2026-01-10,P1,B,1,100.00,USD,
        L2,2026-01-15,P1,B,1,100.00,USD,
        L3,2026-01-14,P1,B,1,0.05,USD,
        L4,2026-01-14,P1,B,-1,-0.05,USD,
        L5,2026-01-10,P1,B,1,1234,JPY,
        L6,2026-01-10,P1,B,1,1.235,KWD,
        L7,2025-12-31,P1,B,1,1.00,USD,
        L8,2026-01-20,P1,B,-1,-10.00,USD,0.95
        L9,2026-01-10,P1,B,1,1.00,GBP,
        L10,2026-01-10,P1,B,1,5.00,EUR,1
        L11,2026-01-10,P1,B,1,5.00,EUR,1.1
        L12,2026-01-10,P1,B,1,12.5,JPY,
        L13,2026-01-10,P1,B,1,0.001,KWD,

        """

    @Test func eachForeignLineIsConvertedOnceAtTheRateOfItsDate() throws {
        let loaded = try Fixture.load(Self.folder(Self.lines))
        // L1 100.00 x 0.9 = 90.00; L2 on the day USD's rate changes: 100.00 x 0.8765 = 87.65;
        // L3/L4 on 2026-01-14, which 0.9 still holds: 0.045 -> 0.05 and -0.045 -> -0.05 (ties away from zero); L5 1234 JPY x 0.0061 = 7.5274 -> 7.53; L6 1.235 KWD x 2.95 = 3.64325 -> 3.64;
        // L8 at its own rate -10.00 x 0.95 = -9.50; L10 book currency with rate 1: 5.00; L13 0.001 KWD x 2.95
        // = 0.00295 -> 0.00, a valid line.
        #expect(
            loaded.dataset.transactions.amount.sorted() == [90_00, 87_65, 5, -5, 7_53, 3_64, -9_50, 5_00, 0].sorted())
        #expect(loaded.rejects.map(\.line) == [8, 10, 12, 13])
        let reasons = loaded.rejects.map(\.reason)
        #expect(reasons[0].hasPrefix("currency: no exchange rate for USD on 2025-12-31"), "\(reasons)")
        #expect(reasons[1].hasPrefix(#"currency: unknown currency "GBP""#), "\(reasons)")
        #expect(reasons[2] == "rate: a line in the book currency takes no rate but 1", "\(reasons)")
        #expect(reasons[3] == #"amount: "12.5" has more than 0 decimal places"#, "\(reasons)")
        let t = loaded.totals
        #expect(t.acceptedAmount.minorUnits == 90_00 + 87_65 + 5 - 5 + 7_53 + 3_64 - 9_50 + 5_00 + 0)
        #expect(t.foreign.map(\.code) == ["JPY", "KWD", "USD"])
        #expect(t.foreign.map(\.lines) == [1, 2, 5])
        // As written: 1234 JPY; 1.235 + 0.001 KWD; 100 + 100 + 0.05 - 0.05 - 10 USD.
        #expect(t.foreign.map(\.amount) == [1234, 1_236, 190_00])
        #expect(t.foreign.map(\.bookAmount) == [7_53, 3_64, 90_00 + 87_65 - 9_50])
    }

    /// Lines built in memory keep their currencies, the first line of all being foreign included
    /// (its currency was once lost: the column it starts had no earlier lines, so it stayed empty).
    @Test func aForeignFirstLineKeepsItsCurrency() {
        var c = TransactionColumns()
        let day = CivilDate("2026-01-10")!
        for currency: UInt8 in [1, 0, 2, 0] {
            c.append(
                partner: 0, product: 0, date: day, quantity: Quantity(units: 1), amount: Money(minorUnits: 100),
                currency: currency)
        }
        #expect(c.currency == [1, 0, 2, 0])
        var book = TransactionColumns()
        book.append(partner: 0, product: 0, date: day, quantity: Quantity(units: 1), amount: Money(minorUnits: 1))
        #expect(book.currency.isEmpty && !book.hasForeignLines)
    }

    /// `explain` names the currency each weighty line was invoiced in, its amount in book money:
    /// L1 100.00 USD at 0.9 = 90.00 EUR, L2 1234 JPY at 0.0061 = 7.53 EUR, L3 50.00 EUR as written.
    @Test func explainNamesEachLinesCurrency() throws {
        let dir = Self.folder(
            """
            line_id,date,partner_id,product_id,quantity,amount,currency
            L1,2026-01-10,P1,B,3,100.00,USD
            L2,2026-01-10,P1,B,2,1234,JPY
            L3,2026-01-12,P1,B,1,50.00,

            """)
        let x = try ExplainJob.run(dataset: dir, agreementID: "AG1", month: CivilDate("2026-01-01")!, asOf: nil)
        let byID = Dictionary(uniqueKeysWithValues: x.lines.map { ($0.lineID, $0) })
        #expect(byID["L1"]?.invoicedIn == "USD" && byID["L1"]?.amount == 90_00)
        #expect(byID["L2"]?.invoicedIn == "JPY" && byID["L2"]?.amount == 7_53)
        #expect(byID["L3"]?.invoicedIn == "EUR" && byID["L3"]?.amount == 50_00)
        let text = x.text
        #expect(text.contains("invoiced in"))
        let l2 = text.split(separator: "\n").first { $0.contains("L2 ") }.map(String.init) ?? ""
        #expect(l2.hasSuffix("JPY"), "\(l2)")
        // A dataset with one currency shows no such column.
        let plain = try ExplainJob.run(
            dataset: Fixture.folder(
                agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
                transactions: Fixture.lines(["2026-01-10,P1,B,1,10.00"])), agreementID: "AG1",
            month: CivilDate("2026-01-01")!, asOf: nil)
        #expect(plain.lines.map(\.invoicedIn) == ["EUR"] && !plain.text.contains("invoiced in"))
    }

    /// The pallet share of SPEC section 3 is taken of the book amount: 10.00 USD at 0.8765 = 8.765 -> 8.77,
    /// and 5 of the 6 units are full pallets (2 of 2.5): 8.77 x 5/6 = 7.308 -> 7.31 (converting the
    /// share instead would give 8.33 x 0.8765 = 7.30).
    @Test func aPalletShareIsTakenOfTheBookAmount() throws {
        let dir = Self.folder(
            "line_id,date,partner_id,product_id,quantity,amount,currency\nL1,2026-01-20,P1,C,6,10.00,USD\n",
            agreements: [
                Fixture.agreement(program: "logistics", basis: "pallets", tiers: #"[{"from": "0", "percent": "100"}]"#)
            ])
        let loaded = try Fixture.load(dir)
        #expect(loaded.rejects.isEmpty)
        let r = try AccrualEngine.run(loaded.dataset, options: AccrualOptions(threads: 2))
        #expect(Fixture.earned(r, period: "2026-01-01") == "7.31")
    }

    @Test func everyBadRatesRowIsReportedAtOnce() {
        let bad = """
            currency,date,rate
            USD,2026-01-01,0.9
            GBP,2026-01-01,1.1
            USD,2026-01-01,0.91
            JPY,2026-02-30,0.006
            JPY,2026-01-01,0
            KWD,2026-01-01,-2
            KWD,2026-01-02,2.12345678901
            KWD,2026-01-03,abc

            """
        var problems: [String] = []
        do {
            _ = try Fixture.load(Self.folder(Fixture.lines(["2026-01-10,P1,B,1,1.00"]), rates: bad))
        } catch {
            if case .invalidInput(let p) = error { problems = p.map(\.description) }
        }
        let expected = [
            #"rates.csv:3: currency: "GBP" is not listed"#,
            "rates.csv:4: date: USD on 2026-01-01 repeats line 2",
            #"rates.csv:5: date: "2026-02-30" is not a date"#,
            #"rates.csv:6: rate: "0" must be more than 0"#,
            #"rates.csv:7: rate: "-2" is not a plain decimal"#,
            #"rates.csv:8: rate: "2.12345678901" has more than 10 decimal places"#,
            #"rates.csv:9: rate: "abc" is not a plain decimal"#,
        ]
        #expect(problems.count == expected.count, "\(problems)")
        for e in expected { #expect(problems.contains { $0.hasPrefix(e) }, "missing \(e) in \(problems)") }
        // Currencies listed but no rates.csv.
        do {
            _ = try Fixture.load(Self.folder(Fixture.lines(["2026-01-10,P1,B,1,1.00"]), rates: nil))
            Issue.record("accepted a dataset without rates.csv")
        } catch {
            guard case .invalidInput(let p) = error else { return }
            #expect(p.contains { $0.file == "rates.csv" && $0.reason.hasPrefix("missing") })
        }
    }

    @Test func badCurrencyListsAreRefused() {
        var json = Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)])
        json = json.replacingOccurrences(
            of: #""decimals": 2,"#, with: #""decimals": 2, "currencies": {"usd": 2, "EUR": 2, "JPY": 7},"#)
        let dir = Fixture.folder(agreements: json, transactions: Fixture.lines(["2026-01-10,P1,B,1,1.00"]))
        var problems: [String] = []
        do { _ = try Fixture.load(dir) } catch {
            if case .invalidInput(let p) = error { problems = p.map(\.description) }
        }
        for e in [
            "agreements.json: currencies.usd: a currency code is 3 upper-case letters",
            "agreements.json: currencies.EUR: the book currency is not listed",
            "agreements.json: currencies.JPY: decimals: an integer from 0 to 6",
        ] {
            #expect(problems.contains { $0.hasPrefix(e) }, "missing \(e) in \(problems)")
        }
    }

    /// The columnar file keeps book amounts: a changed rates.csv makes it stale, and it is refused.
    @Test func aColumnarFileIsStaleOnceTheRatesChange() throws {
        let dir = Self.folder(Self.lines)
        let loaded = try Fixture.load(dir)
        try ColumnarFile.write(loaded, to: dir + "/transactions.rbc", sourceSize: 0, sourceModified: 0, threads: 2)
        let path = dir + "/transactions.rbc"
        let (columns, _, totals) = try ColumnarFile.read(
            path: path, partners: loaded.dataset.partners, products: loaded.dataset.products, decimals: 2,
            rates: loaded.dataset.rates)
        #expect(columns.amount == loaded.dataset.transactions.amount)
        #expect(totals.foreign == loaded.totals.foreign)
        try Self.rates.replacingOccurrences(of: "0.8765", with: "0.8766")
            .write(toFile: dir + "/rates.csv", atomically: true, encoding: .utf8)
        // The loader refuses the stale file (a user re-imports, or reads the CSV with --csv) ...
        #expect(throws: RebateError.self) { _ = try Fixture.load(dir) }
        let changed = try DatasetLoader.load(folder: dir, columnar: false).dataset.rates
        // ... and so does the reader itself against the new rates.
        #expect(throws: RebateError.self) {
            _ = try ColumnarFile.read(
                path: path, partners: loaded.dataset.partners, products: loaded.dataset.products, decimals: 2,
                rates: changed)
        }
    }

    /// Each accepted line keeps the currency it was invoiced in, from the CSV, the columnar file and the
    /// folder store alike; a dataset in one currency has no currency column at all.
    @Test func linesKeepTheirCurrency() throws {
        let dir = Self.folder(Self.lines)
        let loaded = try Fixture.load(dir)
        // By hand from the lines above (accepted ones): L1 L2 L3 L4 L8 USD (index 1), L5 JPY (2),
        // L6 L13 KWD (3), L10 EUR (0); with their book amounts.
        let expected: [(Int64, UInt8)] = [
            (90_00, 1), (87_65, 1), (5, 1), (-5, 1), (-9_50, 1), (7_53, 2), (3_64, 3), (0, 3), (5_00, 0),
        ]
        func pairs(_ t: TransactionColumns) -> [String] {
            zip(t.amount, t.currency).map { "\($0) \($1)" }.sorted()
        }
        let want = expected.map { "\($0.0) \($0.1)" }.sorted()
        #expect(loaded.dataset.transactions.hasForeignLines)
        #expect(pairs(loaded.dataset.transactions) == want)
        #expect(loaded.dataset.rates.currencies.map(\.code) == ["USD", "JPY", "KWD"])
        // Through the columnar file.
        try ColumnarFile.write(loaded, to: dir + "/transactions.rbc", threads: 2)
        let (columns, _, _) = try ColumnarFile.read(
            path: dir + "/transactions.rbc", partners: loaded.dataset.partners, products: loaded.dataset.products,
            decimals: 2, rates: loaded.dataset.rates)
        #expect(pairs(columns) == want)
        // One currency: no column, and the file keeps its seven sections (the layout of earlier files).
        let plain = Fixture.folder(
            agreements: Fixture.agreements([Fixture.agreement(tiers: #"[{"from": "0", "per_unit": "1"}]"#)]),
            transactions: "line_id,date,partner_id,product_id,quantity,amount\nL1,2026-01-10,P1,B,1,10.00\n")
        let one = try Fixture.load(plain)
        #expect(!one.dataset.transactions.hasForeignLines && one.dataset.transactions.currency.isEmpty)
        try ColumnarFile.write(one, to: plain + "/transactions.rbc", threads: 1)
        let header = try Data(contentsOf: URL(fileURLWithPath: plain + "/transactions.rbc")).prefix(68)
        #expect(header[64] == 7)
        // A library caller's line in a currency the dataset does not list is refused, never trapped.
        var dataset = loaded.dataset
        dataset.transactions.append(
            partner: 0, product: 0, date: CivilDate("2026-01-10")!, quantity: Quantity(milliUnits: 1000),
            amount: Money(minorUnits: 100), currency: 4)
        #expect {
            _ = try AccrualEngine.run(dataset)
        } throws: { error in
            "\(error)".contains("currency")
        }
    }

    /// The same lines in one file or with their rows shuffled give the same outputs, on any thread count.
    @Test func foreignLinesKeepTheOutputsIndependentOfThreadsAndOrder() throws {
        let dir = Self.folder(Self.lines)
        let base = try Fixture.load(dir)
        let r1 = try AccrualEngine.run(base.dataset, options: AccrualOptions(threads: 1))
        var rows = Self.lines.split(separator: "\n").map(String.init)
        let header = rows.removeFirst()
        let shuffled = Self.folder(([header] + rows.reversed()).joined(separator: "\n") + "\n")
        let r2 = try AccrualEngine.run(try Fixture.load(shuffled).dataset, options: AccrualOptions(threads: 4))
        #expect(r1.accrualsCSV() == r2.accrualsCSV())
        #expect(r1.settlementsCSV() == r2.settlementsCSV())
        // 168.15 USD-book + 7.53 + 3.64 + 5.00: per_unit 1 on the units: 1+1+1-1+1+1-1+1+1 = 5 units -> 5.00.
        #expect(Fixture.earned(r1, period: "2026-01-01") == "5.00")
    }
}

/// A second path for SPEC section 11: the CSV split naively, each rate looked up by a linear search of
/// rates.csv and each conversion done in exact fractions, then the baseline accrual on those lines:
/// the engine, reading the same files, must agree byte for byte.
@Suite struct CurrencySecondPathTests {
    @Test func naiveConversionAndTheBaselineAgreeWithTheEngine() throws {
        var c = DatasetGenerator.Configuration(lines: 20_000, partners: 50, products: 50, seed: 41)
        c.currencies = [ListedCurrency(code: "USD", decimals: 2), ListedCurrency(code: "JPY", decimals: 0)]
        let dir = Fixture.temporaryFolder()
        _ = try DatasetGenerator(c).write(to: dir, threads: 2)
        let loaded = try DatasetLoader.load(folder: dir, threads: 2, columnar: false)
        #expect(loaded.rejects.isEmpty)

        // rates.csv as (code, date text, rate as a fraction of 10^10).
        let rates = try String(contentsOfFile: dir + "/rates.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        func scaled(_ text: String, _ places: Int) -> Int128 {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let negative = parts[0].hasPrefix("-")
            let whole = Int128(parts[0].replacingOccurrences(of: "-", with: ""))!
            let fraction = parts.count > 1 ? parts[1] : ""
            var v = whole
            for _ in 0..<places { v *= 10 }
            var f: Int128 = fraction.isEmpty ? 0 : Int128(fraction)!
            for _ in fraction.count..<places { f *= 10 }
            return negative ? -(v + f) : v + f
        }
        let decimals = ["USD": 2, "JPY": 0]
        var lines = TransactionColumns()
        let partnerIndex = Dictionary(
            uniqueKeysWithValues: loaded.dataset.partners.enumerated().map { ($1.id, Int32($0)) })
        let productIndex = Dictionary(
            uniqueKeysWithValues: loaded.dataset.products.enumerated().map { ($1.id, Int32($0)) })
        var foreign = 0
        for row in try String(contentsOfFile: dir + "/transactions.csv", encoding: .utf8).split(separator: "\n")
            .dropFirst()
        {
            let f = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var amount = scaled(f[5], 2)
            if let d = decimals[f[6]] {
                foreign += 1
                // The latest rate dated on or before the line (dates compare as text).
                let rate = rates.filter { $0[0] == f[6] && $0[1] <= f[1] }.max { $0[1] < $1[1] }!
                let r = scaled(rate[2], 10)
                let n = scaled(f[5], d) * r
                let denominator = (0..<(d + 10 - 2)).reduce(Int128(1)) { a, _ in a * 10 }
                // Half away from zero, by hand.
                let q = n.magnitude / denominator.magnitude
                let rem = n.magnitude % denominator.magnitude
                amount = Int128(2 * rem >= denominator.magnitude ? q + 1 : q) * (n < 0 ? -1 : 1)
            }
            lines.append(
                partner: partnerIndex[f[2]]!, product: productIndex[f[3]]!, date: CivilDate(f[1])!,
                quantity: Quantity(milliUnits: Int64(scaled(f[4], 3))), amount: Money(minorUnits: Int64(amount)))
        }
        #expect(foreign > 1_000, "the dataset has foreign lines")
        var naive = loaded.dataset
        naive.transactions = lines
        let baseline = BaselineAccrual.run(naive, asOf: CivilDate("2026-10-31"))
        let engine = try AccrualEngine.run(
            loaded.dataset, options: AccrualOptions(asOf: CivilDate("2026-10-31"), threads: 2))
        #expect(Fixture.text(engine.accrualsCSV()) == Fixture.text(baseline.accrualsCSV()))
        #expect(Fixture.text(engine.settlementsCSV()) == Fixture.text(baseline.settlementsCSV()))
        #expect(Fixture.text(engine.statementsCSV()) == Fixture.text(baseline.statementsCSV()))
    }
}
